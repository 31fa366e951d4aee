/**
 * Multi-segment WFDB records (MIMIC and other bedside databases). The master header lists segments, each a
 * single-segment record beside it, with its length in frames; a segment named '~' is a null segment: a gap.
 * - Fixed layout: every segment holds the record's signals in the same order.
 * - Variable layout: the first segment has length 0 and is a layout header naming the record's signals (its
 *   signal files are '~'); each later segment holds some of them, matched by name.
 * A gap (null segment, or a signal a segment lacks) reads as NaN, as wfdb-python's rdrecord (m2s) gives it.
 * Segments may use different gains, so the assembled leads carry millivolts only, no digital values.
 */
import { basename, dirname, join } from 'node:path';
import { EcgFormatError } from '../errors.ts';
import { readChecked } from '../io.ts';
import { normaliseLeadName, toMillivoltFactor } from '../leadNames.ts';
import { parseWfdbHeader, type WfdbHeader } from './header.ts';
import { readSegment, type VoltageSignal } from './segment.ts';

async function readSegmentHeader(
  master: string,
  dir: string,
  name: string,
  maxBytes: number,
): Promise<{ path: string; header: WfdbHeader }> {
  if (!/^[-\w.]+$/.test(name) || name.startsWith('.')) {
    throw new EcgFormatError(master, 'unsafe-content', `segment name '${name}' is not a plain record name beside the header`);
  }
  const path = join(dir, `${name}.hea`);
  let bytes: Buffer;
  try {
    bytes = await readChecked(path, maxBytes);
  } catch (err) {
    if (err instanceof EcgFormatError && err.problem === 'not-found') {
      throw new EcgFormatError(path, 'missing-signal-file', `segment header named in ${master} does not exist`);
    }
    throw err;
  }
  const header = parseWfdbHeader(path, bytes.toString('latin1'));
  if (header.segments)
    throw new EcgFormatError(path, 'unsupported-encoding', 'a segment of a multi-segment record is itself multi-segment');
  return { path, header };
}

const seconds = (frames: number, fs: number) => `${(frames / fs).toFixed(1)} s`;

export async function readMultiSegment(
  path: string,
  header: WfdbHeader,
  maxBytes: number,
  sourceFiles: string[],
  warnings: string[],
): Promise<{ frames: number; signals: VoltageSignal[] }> {
  const segments = header.segments!;
  const dir = dirname(path);
  const fs = header.samplingRateHz;
  const variable = segments[0].frames === 0 && segments[0].name !== '~';
  const data = segments.map((s, i) => ({ ...s, start: 0, index: i })).filter((s) => !(variable && s.index === 0));
  let total = 0;
  for (const s of data) {
    s.start = total;
    total += s.frames;
  }
  if (header.samplesPerSignal !== undefined && header.samplesPerSignal !== total) {
    warnings.push(`the segments hold ${total} frames, the record line declares ${header.samplesPerSignal}; read ${total}`);
  }

  // The record's signals: the layout header's, or the first real segment's.
  const layoutName = variable ? segments[0].name : segments.find((s) => s.name !== '~')?.name;
  if (layoutName === undefined) throw new EcgFormatError(path, 'inconsistent', 'every segment of the record is a null segment (~)');
  const layout = await readSegmentHeader(path, dir, layoutName, maxBytes);
  sourceFiles.push(layout.path);
  const recordSignals = layout.header.signals.filter(
    (s) => s.description !== 'EDF Annotations' && toMillivoltFactor(s.units) !== undefined,
  );
  for (const s of layout.header.signals) {
    if (!recordSignals.includes(s) && s.description !== 'EDF Annotations') {
      warnings.push(`signal '${s.description}' is in ${s.units}, not a voltage; skipped`);
    }
  }
  const totalSamples = total * recordSignals.reduce((a, s) => a + s.samplesPerFrame, 0);
  if (totalSamples * 4 > maxBytes) {
    throw new EcgFormatError(
      path,
      'too-large',
      `multi-segment record holds ${total} frames (${seconds(total, fs)}) of ${recordSignals.length} signals, more than the ${maxBytes}-byte limit for one record`,
    );
  }
  const out = recordSignals.map((spec) => ({ spec, mv: new Float32Array(total * spec.samplesPerFrame).fill(Number.NaN), covered: 0 }));
  let nullFrames = 0;

  for (const seg of data) {
    if (seg.name === '~') {
      nullFrames += seg.frames;
      continue;
    }
    if (seg.frames === 0) continue;
    const { path: segPath, header: segHeader } = seg.name === layoutName ? layout : await readSegmentHeader(path, dir, seg.name, maxBytes);
    sourceFiles.push(segPath);
    if (segHeader.samplingRateHz !== fs) {
      throw new EcgFormatError(segPath, 'inconsistent', `segment runs at ${segHeader.samplingRateHz} frames/s, the record at ${fs}`);
    }
    const { frames, signals } = await readSegment(segPath, segHeader, maxBytes, sourceFiles, warnings);
    if (frames < seg.frames) {
      throw new EcgFormatError(segPath, 'truncated', `segment holds ${frames} frames, ${basename(path)} gives it ${seg.frames}`);
    }
    signals.forEach((sig) => {
      // Fixed layout: the same position as in the first segment; variable layout: the same name as in the layout.
      const k = variable
        ? recordSignals.findIndex((r) => r.description === sig.spec.description)
        : recordSignals.indexOf(layout.header.signals[segHeader.signals.indexOf(sig.spec)]);
      if (k < 0) {
        warnings.push(`segment ${seg.name}: signal '${sig.spec.description}' is not among the record's signals; skipped`);
        return;
      }
      const target = out[k];
      const spf = target.spec.samplesPerFrame;
      if (sig.spec.samplesPerFrame !== spf) {
        throw new EcgFormatError(
          segPath,
          'inconsistent',
          `signal '${sig.spec.description}' has ${sig.spec.samplesPerFrame} samples per frame, the record's layout ${spf}`,
        );
      }
      target.mv.set(sig.mv.subarray(0, seg.frames * spf), seg.start * spf);
      target.covered += seg.frames;
    });
  }

  const gaps: string[] = [];
  if (nullFrames > 0) gaps.push(`null segments cover ${seconds(nullFrames, fs)}`);
  const partial = out.filter((o) => o.covered < total - nullFrames);
  if (partial.length > 0)
    gaps.push(`segments lack ${partial.map((o) => `${o.spec.description} for ${seconds(total - nullFrames - o.covered, fs)}`).join(', ')}`);
  warnings.push(
    `multi-segment record (${variable ? 'variable' : 'fixed'} layout, ${data.length} segments)` +
      (gaps.length > 0 ? `; gaps read as NaN: ${gaps.join('; ')}` : ''),
  );
  const signals: VoltageSignal[] = out.map(({ spec, mv }) => ({ spec, name: normaliseLeadName(spec.description), mv }));
  return { frames: total, signals };
}
