/**
 * One record under audit: its signal, the model's run, the rater's labels, the selected class and region, and
 * every labelling action (verdicts, reasons, notes, record verdicts, drawn regions, undo). The viewer's
 * components only display this state and call these actions; keys and clicks reach the same functions.
 */
import { computed, ref, shallowRef, type Ref } from 'vue';
import type { EcgAuditApi } from '../../../shared/api/index.ts';
import type { LabelDto, LabelTargetDto, LabelValueDto, RaterDto, ReasonCode } from '../../../shared/api/labels.ts';
import { drawnSpanToSamples } from '../ecg/regions.ts';
import { classOrder, decodeRecord, decodeRun, type LoadedRecord, type LoadedRun } from '../viewerData.ts';
import { describeError, type ShownError } from './errors.ts';
import { keyOf, nextMatching, regionItems, targetMatches, withLabel } from './labelTargets.ts';

interface UndoEntry {
  target: LabelTargetDto;
  previous: LabelDto | null;
}

export type RegionVerdict = 'valid' | 'not_valid' | 'unsure';

/**
 * `scale`: the colour scale in use, stored with every label; `onSaved`: called after each saved label (the
 * worklist's progress changes).
 */
export function useAudit(
  api: EcgAuditApi,
  rater: RaterDto,
  hideProbability: Ref<boolean>,
  scale: () => 'per-record' | 'fixed' | null,
  onSaved: () => void,
) {
  const record = shallowRef<LoadedRecord | null>(null);
  const run = shallowRef<LoadedRun | null>(null);
  const labels = ref<LabelDto[]>([]);
  const classCode = ref<string | null>(null);
  const selectedKey = ref<string | null>(null);
  const busy = ref(false);
  /** Problems opening a record (shown by the record's title) and saving labels (shown in the label panel). */
  const recordError = ref<ShownError | null>(null);
  const labelNotice = ref<{ text: string; error?: ShownError } | null>(null);
  const undoStack: UndoEntry[] = [];
  /**
   * Label actions run one after another in key order: a reason key pressed right after a verdict key
   * applies once the verdict is saved, and each action reads the labels as the previous one left them.
   */
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  }

  // With probabilities hidden the classes keep the model's order: sorting them would show the prediction.
  const classes = computed(() => (!run.value ? [] : hideProbability.value ? run.value.dto.classes : classOrder(run.value.dto.classes)));
  const currentClass = computed(() => classes.value.find((c) => c.code === classCode.value) ?? null);
  const predictedClass = computed(() => (run.value ? (classOrder(run.value.dto.classes)[0] ?? null) : null));
  const mine = computed(() => new Map(labels.value.filter((l) => l.raterId === rater.id).map((l) => [l.targetKey, l])));
  const others = computed(() => labels.value.filter((l) => l.raterId !== rater.id));
  const regions = computed(() =>
    run.value && classCode.value ? regionItems(run.value.dto.regions, mine.value, classCode.value, run.value.dto.mapRateHz) : [],
  );
  const selectedRegion = computed(() => regions.value.find((r) => r.key === selectedKey.value) ?? null);

  let loadToken = 0;
  async function openRecord(recordId: number): Promise<boolean> {
    const token = ++loadToken;
    busy.value = true;
    try {
      const [rec, runReply, current] = await Promise.all([
        api.call('records.get', { recordId }),
        api.call('records.run', { recordId }),
        api.call('labels.current', { recordId, raterId: rater.id }),
      ]);
      if (token !== loadToken) return false;
      record.value = decodeRecord(rec);
      run.value = runReply.run ? decodeRun(runReply.run) : null;
      labels.value = current.labels;
      classCode.value = classes.value[0]?.code ?? null;
      if (run.value && !hideProbability.value) classCode.value = predictedClass.value?.code ?? classCode.value;
      undoStack.length = 0;
      selectedKey.value = regions.value[0]?.key ?? null;
      recordError.value = null;
      labelNotice.value = run.value ? null : { text: 'This record was imported without a model: no explanation to audit.' };
      return true;
    } catch (err) {
      if (token === loadToken) recordError.value = describeError(err, 'open this record');
      return false;
    } finally {
      if (token === loadToken) busy.value = false;
    }
  }

  async function reloadLabels(): Promise<void> {
    if (!record.value) return;
    labels.value = (await api.call('labels.current', { recordId: record.value.dto.id, raterId: rater.id })).labels;
  }

  function targetOf(key: string): LabelTargetDto | null {
    if (!record.value) return null;
    if (key === 'plausible') return { kind: 'plausible', recordId: record.value.dto.id };
    if (key.startsWith('agree:')) return { kind: 'agree-class', recordId: record.value.dto.id, className: key.slice('agree:'.length) };
    return regions.value.find((r) => r.key === key)?.target ?? null;
  }

  async function writeLabel(
    target: LabelTargetDto,
    value: LabelValueDto,
    extra: { reasons?: ReasonCode[]; note?: string } = {},
    undoable = true,
  ): Promise<LabelDto | null> {
    try {
      const previous = labels.value.find((l) => l.raterId === rater.id && targetMatches(l, target)) ?? null;
      const label = await api.call('labels.append', {
        raterId: rater.id,
        target,
        value,
        reasons: extra.reasons ?? previous?.reasons ?? [],
        note: extra.note ?? previous?.note ?? '',
        scale: scale(),
      });
      if (label.recordId === record.value?.dto.id) labels.value = withLabel(labels.value, label);
      if (undoable) undoStack.push({ target, previous });
      labelNotice.value = { text: 'Saved.' };
      onSaved();
      return label;
    } catch (err) {
      labelNotice.value = { text: '', error: describeError(err, 'save the label') };
      return null;
    }
  }

  function labelRegion(value: RegionVerdict): Promise<unknown> {
    const target = selectedKey.value ? targetOf(selectedKey.value) : null;
    if (!target) {
      labelNotice.value = { text: 'Select an evidence region first (J / K or click it).' };
      return Promise.resolve();
    }
    return serial(() => writeLabel(target, value));
  }

  /** Changes the reasons of my label on `key` (the region selected when the key was pressed). */
  function editReasons(key: string, change: (reasons: ReasonCode[]) => ReasonCode[]): Promise<unknown> {
    const t = targetOf(key);
    return serial(async () => {
      const current = mine.value.get(key);
      if (!t || !current) {
        labelNotice.value = { text: 'Give the region a verdict first (1 valid, 2 not valid, 3 unsure), then its reasons.' };
        return;
      }
      await writeLabel(t, current.value, { reasons: change(current.reasons) });
    });
  }

  function setReasons(key: string, reasons: ReasonCode[]): Promise<unknown> {
    return editReasons(key, () => reasons);
  }

  function toggleReason(code: ReasonCode): Promise<unknown> {
    const key = selectedKey.value;
    if (!key) {
      labelNotice.value = { text: 'Select an evidence region first (J / K or click it).' };
      return Promise.resolve();
    }
    return editReasons(key, (rs) => (rs.includes(code) ? rs.filter((r) => r !== code) : [...rs, code]));
  }

  function setNote(key: string, note: string): Promise<unknown> {
    const t = targetOf(key);
    return serial(async () => {
      const current = mine.value.get(key);
      if (t && current) await writeLabel(t, current.value, { note });
    });
  }

  function setPlausible(value: 'yes' | 'partly' | 'no'): Promise<unknown> {
    const t = targetOf('plausible');
    return t ? serial(() => writeLabel(t, value)) : Promise.resolve();
  }

  function setAgree(value: 'yes' | 'no'): Promise<unknown> {
    if (hideProbability.value) {
      labelNotice.value = { text: 'The model’s class is hidden in this study, so there is nothing to agree with.' };
      return Promise.resolve();
    }
    const c = predictedClass.value;
    const t = c ? targetOf(`agree:${c.code}`) : null;
    return t ? serial(() => writeLabel(t, value)) : Promise.resolve();
  }

  function undo(): Promise<void> {
    return serial(undoLast);
  }

  async function undoLast(): Promise<void> {
    const last = undoStack.pop();
    if (!last) {
      labelNotice.value = { text: 'Nothing to undo.' };
      return;
    }
    if (!last.previous) {
      const withdrawn = await writeLabel(last.target, 'withdrawn', { reasons: [], note: '' }, false);
      if (withdrawn) labelNotice.value = { text: 'Undone: unlabelled again (a withdrawal was appended).' };
      return;
    }
    const p = last.previous;
    const restored = await writeLabel(last.target, p.value, { reasons: p.reasons, note: p.note }, false);
    if (restored) labelNotice.value = { text: `Undone: back to "${p.value.replace('_', ' ')}" (a superseding label was appended).` };
  }

  async function drawRegion(lead: string, fromS: number, toS: number): Promise<void> {
    const r = run.value;
    if (!r || !record.value || !classCode.value) return;
    const span = drawnSpanToSamples(fromS, toS, r.dto.mapRateHz, r.dto.mapSamples);
    const target: LabelTargetDto = { kind: 'drawn-region', recordId: record.value.dto.id, className: classCode.value, lead, ...span };
    const label = await serial(() => writeLabel(target, 'valid', { reasons: [], note: 'region the model missed' }));
    if (label) selectedKey.value = keyOf(target, label);
  }

  function stepRegion(delta: number): void {
    const items = regions.value;
    if (!items.length) return;
    const i = items.findIndex((r) => r.key === selectedKey.value);
    selectedKey.value = items[(i + delta + items.length) % items.length]!.key;
  }

  /** The next region without my verdict in this class, else the first class that still has one. */
  function nextUnlabelledRegion(): boolean {
    const here = nextMatching(regions.value, selectedKey.value, (r) => !mine.value.has(r.key));
    if (here) {
      selectedKey.value = here.key;
      return true;
    }
    for (const c of classes.value) {
      if (c.code === classCode.value || !run.value) continue;
      const items = regionItems(run.value.dto.regions, mine.value, c.code, run.value.dto.mapRateHz);
      const first = items.find((r) => !mine.value.has(r.key));
      if (first) {
        selectClass(c.code);
        selectedKey.value = first.key;
        return true;
      }
    }
    labelNotice.value = { text: 'Every region of every class on this record has your verdict.' };
    return false;
  }

  function selectClass(code: string): void {
    classCode.value = code;
    if (!regions.value.some((r) => r.key === selectedKey.value)) selectedKey.value = regions.value[0]?.key ?? null;
  }

  function stepClass(delta: number): void {
    const list = classes.value;
    const i = list.findIndex((c) => c.code === classCode.value);
    if (list.length) selectClass(list[(i + delta + list.length) % list.length]!.code);
  }

  return {
    record,
    run,
    labels,
    classCode,
    selectedKey,
    busy,
    recordError,
    labelNotice,
    classes,
    currentClass,
    predictedClass,
    mine,
    others,
    regions,
    selectedRegion,
    openRecord,
    reloadLabels,
    labelRegion,
    setReasons,
    toggleReason,
    setNote,
    setPlausible,
    setAgree,
    undo,
    drawRegion,
    stepRegion,
    nextUnlabelledRegion,
    selectClass,
    stepClass,
  };
}

export type Audit = ReturnType<typeof useAudit>;
