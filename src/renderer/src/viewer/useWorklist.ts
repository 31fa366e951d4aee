/**
 * The study and its worklist for one rater. The list lives in the database: this keeps the pages the screen
 * has shown (100 rows each), asks the server for the neighbours of the open record, and remembers the place
 * (study, record, search and filters, per rater, in localStorage) so that a reload comes back to it. While an
 * import adds records to the study, it refreshes itself.
 */
import { computed, ref, shallowRef } from 'vue';
import type { EcgAuditApi } from '../../../shared/api/index.ts';
import type { BlindingDto, RaterDto, StudySettingsDto } from '../../../shared/api/labels.ts';
import type { WorklistFilterDto, WorklistItemDto } from '../../../shared/api/records.ts';
import { describeError, type ShownError } from './errors.ts';

export type WorklistFilter = WorklistFilterDto;

export const NO_FILTER: WorklistFilter = {
  classCode: null,
  minProbability: 0,
  maxProbability: 1,
  unlabeledByMe: false,
  disagreementOnly: false,
  search: '',
  disagreesWithReference: false,
  referenceClass: null,
};

export const PAGE_ROWS = 100;
const IMPORT_POLL_MS = 2000;

export interface SavedPlace {
  studyId: number | null;
  recordId: number | null;
  filter: WorklistFilter;
}

const placeKey = (raterId: string): string => `ecg-audit-place:${raterId}`;

export function loadPlace(raterId: string): SavedPlace {
  try {
    const raw = JSON.parse(localStorage.getItem(placeKey(raterId)) ?? 'null') as Partial<SavedPlace> | null;
    return { studyId: raw?.studyId ?? null, recordId: raw?.recordId ?? null, filter: { ...NO_FILTER, ...(raw?.filter ?? {}) } };
  } catch {
    return { studyId: null, recordId: null, filter: { ...NO_FILTER } };
  }
}

export function savePlace(raterId: string, place: SavedPlace): void {
  localStorage.setItem(placeKey(raterId), JSON.stringify(place));
}

export function useWorklist(api: EcgAuditApi, rater: RaterDto, shuffled: () => boolean) {
  const saved = loadPlace(rater.id);
  const studies = ref<{ id: number; name: string; records: number }[]>([]);
  const studyId = ref<number | null>(null);
  const blinding = ref<BlindingDto>({ blinded: false, hideProbability: false, hideReference: false, owner: null });
  const settingsError = ref<ShownError | null>(null);
  const listError = ref<ShownError | null>(null);
  const filter = ref<WorklistFilter>(saved.filter);
  /** Rows by page number; replaced (not mutated) so the list redraws. */
  const pages = shallowRef(new Map<number, WorklistItemDto[]>());
  const total = ref(0);
  const studyRecords = ref(0);
  const reviewed = ref(0);
  const classCodes = ref<string[]>([]);
  /** Reference superclasses present in the study (empty when the study hides them). */
  const referenceClasses = ref<string[]>([]);
  const importing = ref(false);
  const loaded = ref(false);
  /** Index of the open record in the filtered list, when it is in it. */
  const currentIndex = ref<number | null>(null);
  let generation = 0;
  let poll: ReturnType<typeof setTimeout> | null = null;

  /**
   * A blinded study shows labels only to raters whose name is protected (the server refuses the rest): until
   * this rater protects theirs, the screen asks them to and loads no list or record.
   */
  const protectFirst = computed(() => blinding.value.blinded && !rater.protected);

  const query = () => ({ studyId: studyId.value!, raterId: rater.id, filter: filter.value, shuffled: shuffled() });

  function rowAt(index: number): WorklistItemDto | undefined {
    return pages.value.get(Math.floor(index / PAGE_ROWS))?.[index % PAGE_ROWS];
  }

  async function loadPage(page: number, gen = generation): Promise<void> {
    if (studyId.value === null) return;
    try {
      const reply = await api.call('records.worklist', { ...query(), offset: page * PAGE_ROWS, limit: PAGE_ROWS });
      if (gen !== generation) return;
      pages.value = new Map(pages.value).set(page, reply.items);
      total.value = reply.total;
      studyRecords.value = reply.studyRecords;
      reviewed.value = reply.reviewed;
      classCodes.value = reply.classCodes;
      referenceClasses.value = reply.referenceClasses;
      setImporting(reply.importing);
      listError.value = null;
    } catch (err) {
      listError.value = describeError(err, 'load the worklist');
    } finally {
      loaded.value = true;
    }
  }

  /** Makes sure the rows [from, to) are loaded (the list asks for what it shows). */
  function ensure(from: number, to: number): void {
    for (let p = Math.floor(from / PAGE_ROWS); p <= Math.floor(Math.max(from, to - 1) / PAGE_ROWS); p++) {
      if (!pages.value.has(p) && p * PAGE_ROWS < Math.max(total.value, 1)) {
        pages.value = new Map(pages.value).set(p, []);
        void loadPage(p);
      }
    }
  }

  /** Reloads what is shown (after a label, a filter change, or while importing). */
  async function refresh(): Promise<void> {
    const shown = [...pages.value.keys()];
    const gen = ++generation;
    await Promise.all((shown.length ? shown : [0]).map((p) => loadPage(p, gen)));
  }

  /** A new filter or order: the pages start over. */
  async function restart(): Promise<void> {
    generation++;
    pages.value = new Map();
    await loadPage(0);
  }

  function setImporting(now: boolean): void {
    importing.value = now;
    if (poll) clearTimeout(poll);
    poll = now ? setTimeout(() => void refresh(), IMPORT_POLL_MS) : null;
  }

  async function loadStudies(): Promise<void> {
    studies.value = await api.call('records.studies', {});
    const remembered = studies.value.find((s) => s.id === saved.studyId);
    studyId.value = remembered?.id ?? studies.value.find((s) => s.records > 0)?.id ?? studies.value[0]?.id ?? null;
  }

  async function loadStudy(): Promise<void> {
    if (studyId.value === null) return;
    blinding.value = await api.call('labels.blinding', { studyId: studyId.value, raterId: rater.id });
    if (protectFirst.value) {
      generation++;
      pages.value = new Map();
      loaded.value = true;
      return;
    }
    await restart();
  }

  async function changeSettings(changes: Partial<StudySettingsDto>): Promise<boolean> {
    if (studyId.value === null) return false;
    const { owner: _owner, ...current } = blinding.value;
    try {
      blinding.value = await api.call('labels.setBlinding', { studyId: studyId.value, raterId: rater.id, ...current, ...changes });
      settingsError.value = null;
      await restart();
      return true;
    } catch (err) {
      settingsError.value = describeError(err, 'change the study settings');
      return false;
    }
  }

  /** The record `move` leads to from `recordId` in the filtered order, or null (the end, or nothing left). */
  async function step(recordId: number | null, move: 'first' | 'this' | 'next' | 'previous' | 'next-unreviewed'): Promise<number | null> {
    if (studyId.value === null || protectFirst.value) return null;
    try {
      const { found } = await api.call('records.worklistStep', { ...query(), recordId, move });
      if (found) currentIndex.value = found.index;
      return found?.recordId ?? null;
    } catch (err) {
      listError.value = describeError(err, 'move through the worklist');
      return null;
    }
  }

  /** Where to start: the remembered record when it is still in this study's list, else the first. */
  async function startRecord(): Promise<number | null> {
    if (saved.studyId === studyId.value && saved.recordId !== null) {
      const here = await step(saved.recordId, 'this');
      if (here !== null) return here;
    }
    return step(null, 'first');
  }

  function remember(recordId: number | null): void {
    savePlace(rater.id, { studyId: studyId.value, recordId, filter: filter.value });
  }

  function stop(): void {
    if (poll) clearTimeout(poll);
    poll = null;
  }

  return {
    studies,
    studyId,
    blinding,
    protectFirst,
    settingsError,
    listError,
    filter,
    pages,
    total,
    studyRecords,
    reviewed,
    classCodes,
    referenceClasses,
    importing,
    loaded,
    currentIndex,
    hasRecords: computed(() => studyRecords.value > 0),
    rowAt,
    ensure,
    refresh,
    restart,
    loadStudies,
    loadStudy,
    changeSettings,
    step,
    startRecord,
    remember,
    stop,
  };
}
