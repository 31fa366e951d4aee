/**
 * How the open record is drawn: the display settings (saved a moment after each change), the evidence
 * colours (W·x, or raw W fetched from the server), zoom and pan, the layout (with a lead shown alone), and
 * what the print, its legend and the thumbnails are drawn from.
 */
import { computed, ref, type Ref, shallowRef, watch } from 'vue';
import type { EcgAuditApi } from '../../../shared/api/index.ts';
import type { ClassDto, ViewerSettings } from '../../../shared/api/records.ts';
import type { Legend } from '../components/EcgPrint.vue';
import type { PointerMode } from '../components/EcgCanvas.vue';
import { decodeFloat32 } from '../ecg/binary.ts';
import { formatScaleValue, legendGradient } from '../ecg/colorScale.ts';
import { renderStrip } from '../ecg/draw.ts';
import { notchAvailable } from '../ecg/filters.ts';
import type { LayoutChoice, LayoutId, PaperLayout } from '../ecg/layout.ts';
import { buildOverlay, classAttribution, displayTrace, type LoadedRecord, type LoadedRun } from '../viewerData.ts';
import { describeError, type ShownError } from './errors.ts';

const MAX_ZOOM = 16;
const SAVE_AFTER_MS = 300;

export function useDisplay(
  api: EcgAuditApi,
  view: {
    record: Ref<LoadedRecord | null>;
    run: Ref<LoadedRun | null>;
    classCode: Ref<string | null>;
    currentClass: Ref<ClassDto | null>;
    /** The lead of the selected region: the 3x4 print's rhythm strip. */
    selectedLead: Ref<string | null>;
  },
  onError: (e: ShownError) => void,
) {
  const settings = ref<ViewerSettings | null>(null);
  const showOverlay = ref(true);
  const rawW = ref(false);
  const weights = shallowRef(new Map<string, Float32Array>());
  const zoom = ref(1);
  const startS = ref(0);
  const focusLead = ref<string | null>(null);
  const mode = ref<PointerMode>('pan');

  watch([rawW, view.classCode, view.run], async () => {
    const r = view.run.value;
    const code = view.classCode.value;
    if (!rawW.value || !r || !code || weights.value.has(code)) return;
    try {
      const reply = await api.call('records.weights', { runId: r.dto.id, classCode: code });
      // another record may have opened meanwhile: its weights map starts empty and must stay its own
      if (view.run.value !== r) return;
      weights.value = new Map(weights.value).set(code, decodeFloat32(reply.weights.data, reply.weights.length));
    } catch (err) {
      rawW.value = false;
      onError(describeError(err, 'colour by the weights alone'));
    }
  });

  const overlayBuild = computed(() => {
    const r = view.run.value;
    const s = settings.value;
    const code = view.classCode.value;
    if (!r || !s || !showOverlay.value || !code) return null;
    const values = rawW.value ? weights.value.get(code) : classAttribution(r, code);
    if (!values) return null;
    return buildOverlay(values, r.dto.leads, r.dto.mapSamples, r.dto.mapRateHz, s.scaleMode, s.fixedScaleMax, renderStrip);
  });
  const trace = computed(() => (view.record.value && settings.value ? displayTrace(view.record.value, settings.value) : null));
  const choice = computed<LayoutChoice>(() => (focusLead.value ? { focus: focusLead.value } : (settings.value?.layout ?? '3x4')));
  // the 3x4 print's rhythm strip shows the selected region's lead, so its evidence is on the print at full length
  const rhythmLead = computed(() => view.selectedLead.value ?? 'II');
  const paper = computed(() => ({
    speedMmPerS: settings.value?.speedMmPerS ?? 25,
    gainMmPerMv: settings.value?.gainMmPerMv ?? 10,
    zoom: zoom.value,
  }));
  const frameTag = computed(
    () =>
      `${view.record.value?.dto.id ?? ''}:${view.classCode.value ?? ''}:${rawW.value ? 'w' : 'wx'}:${overlayBuild.value ? 'overlay' : 'plain'}`,
  );
  const legend = computed<Legend | null>(() => {
    const b = overlayBuild.value;
    const c = view.currentClass.value;
    if (!b || !c || !settings.value) return null;
    return {
      gradient: legendGradient(),
      max: formatScaleValue(b.max),
      what: rawW.value ? 'weights only (raw W)' : 'evidence (W·x)',
      unit: rawW.value ? 'weight units' : 'logit units per sample',
      scope:
        settings.value.scaleMode === 'fixed'
          ? 'fixed across records'
          : `per record (99th percentile of |${rawW.value ? 'W' : 'W·x'}|, larger values saturate)`,
      className: c.name,
    };
  });
  const notchOk = computed(() => (view.record.value ? notchAvailable(50, view.record.value.dto.samplingRateHz) : true));

  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  function patchSettings(patch: Partial<ViewerSettings>): void {
    if (!settings.value) return;
    settings.value = { ...settings.value, ...patch };
    if (saveTimer) clearTimeout(saveTimer);
    const snapshot = settings.value;
    saveTimer = setTimeout(() => {
      api.call('records.saveViewerSettings', snapshot).catch((err) => onError(describeError(err, 'keep the display settings')));
    }, SAVE_AFTER_MS);
  }

  async function loadSettings(): Promise<void> {
    settings.value = await api.call('records.viewerSettings', {});
  }

  /** A new record starts unzoomed, at its start, with the whole print. */
  function reset(): void {
    weights.value = new Map();
    zoom.value = 1;
    startS.value = 0;
    focusLead.value = null;
  }

  function setLayout(l: LayoutId): void {
    focusLead.value = null;
    patchSettings({ layout: l });
  }
  function setZoom(z: number): void {
    zoom.value = Math.min(MAX_ZOOM, Math.max(1, z));
  }
  function pan(layout: PaperLayout | null, fraction: number): void {
    if (layout) startS.value = Math.max(0, layout.startS + layout.spanS * fraction);
  }

  return {
    settings,
    showOverlay,
    rawW,
    zoom,
    startS,
    focusLead,
    mode,
    overlayBuild,
    trace,
    choice,
    rhythmLead,
    paper,
    frameTag,
    legend,
    notchOk,
    patchSettings,
    loadSettings,
    reset,
    setLayout,
    setZoom,
    pan,
  };
}
