/**
 * The viewer's data once it has arrived: typed arrays decoded from the API's binary payloads, and the derived
 * pieces the canvas draws (display-filtered traces, overlay strips).
 */
import type { ClassDto, RecordDto, RunDto } from '../../shared/api/records.ts';
import { decodeFloat32, row } from './ecg/binary.ts';
import { scaleMax, type ScaleMode } from './ecg/colorScale.ts';
import type { Overlay, Trace } from './ecg/draw.ts';
import { applyDisplayFilters, BASELINE_HIGHPASS_HZ, type DisplayFilters, median } from './ecg/filters.ts';

export interface LoadedRecord {
  dto: Omit<RecordDto, 'signal'>;
  leads: Map<string, Float32Array>;
  offsets: Map<string, number>;
}

export interface LoadedRun {
  dto: Omit<RunDto, 'attribution'>;
  /** classes x leads x mapSamples. */
  attribution: Float32Array;
}

export function decodeRecord(dto: RecordDto): LoadedRecord {
  const all = decodeFloat32(dto.signal.data, dto.signal.length);
  const leads = new Map<string, Float32Array>();
  const offsets = new Map<string, number>();
  dto.leads.forEach((name, i) => {
    const mv = row(all, i, dto.samplesPerLead);
    leads.set(name, mv);
    offsets.set(name, median(mv));
  });
  const { signal: _signal, ...rest } = dto;
  return { dto: rest, leads, offsets };
}

export function decodeRun(dto: RunDto): LoadedRun {
  const attribution = decodeFloat32(dto.attribution.data, dto.attribution.length);
  const { attribution: _a, ...rest } = dto;
  return { dto: rest, attribution };
}

/** One class's A = W*x, leads x mapSamples, as a view into the run's array. */
export function classAttribution(run: LoadedRun, classCode: string): Float32Array {
  const k = run.dto.classes.findIndex((c) => c.code === classCode);
  if (k < 0) throw new Error(`class ${classCode} is not in run ${run.dto.id}`);
  const size = run.dto.leads.length * run.dto.mapSamples;
  return run.attribution.subarray(k * size, (k + 1) * size);
}

/** Predicted classes (>= 0.5) first, each group by falling probability. */
export function classOrder(classes: readonly ClassDto[]): ClassDto[] {
  return [...classes].sort((a, b) => {
    const pa = a.probability >= 0.5 ? 1 : 0;
    const pb = b.probability >= 0.5 ? 1 : 0;
    return pb - pa || b.probability - a.probability;
  });
}

export function displayTrace(rec: LoadedRecord, filters: { highPass: boolean; notchHz: 50 | 60 | null }): Trace {
  const f: DisplayFilters = { highPassHz: filters.highPass ? BASELINE_HIGHPASS_HZ : null, notchHz: filters.notchHz };
  const fs = rec.dto.samplingRateHz;
  if (f.highPassHz === null && f.notchHz === null) return { leads: rec.leads, offsets: rec.offsets, fs };
  const leads = new Map<string, Float32Array>();
  const offsets = new Map<string, number>();
  for (const [name, mv] of rec.leads) {
    const filtered = applyDisplayFilters(mv, fs, f);
    leads.set(name, filtered);
    offsets.set(name, f.highPassHz === null ? (rec.offsets.get(name) ?? 0) : 0);
  }
  return { leads, offsets, fs };
}

export interface OverlayBuild {
  overlay: Overlay;
  max: number;
}

/** Overlay strips for one class's map (A or raw W), leads x samples, on the chosen scale. */
export function buildOverlay(
  values: Float32Array,
  leads: readonly string[],
  samples: number,
  rateHz: number,
  mode: ScaleMode,
  fixedMax: number,
  renderStrip: (v: Float32Array, max: number) => HTMLCanvasElement,
): OverlayBuild {
  const max = scaleMax(mode, values, fixedMax);
  const strips = new Map<string, HTMLCanvasElement>();
  leads.forEach((lead, l) => strips.set(lead, renderStrip(row(values, l, samples), max)));
  return { overlay: { strips, rateHz }, max };
}
