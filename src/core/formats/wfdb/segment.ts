/**
 * One single-segment WFDB record's signals: every storage format, samples per frame > 1, skew, and the
 * expansion of slower signals to the record's highest rate.
 */
import { basename, dirname, join } from 'node:path';
import { EcgFormatError } from '../errors.ts';
import { readChecked } from '../io.ts';
import { normaliseLeadName, toMillivoltFactor } from '../leadNames.ts';
import type { Lead } from '../record.ts';
import type { WfdbHeader, WfdbSignalSpec } from './header.ts';
import { parseMatV4Header } from './matv4.ts';
import { decodeFlac } from './flac.ts';
import {
  checksumMatches,
  decodeSamples,
  INVALID_SAMPLE,
  isFlacFormat,
  samplesInBytes,
  samplesPerBlock,
  splitFrames,
  SUPPORTED_FORMATS,
} from './signal.ts';

export const isMat = (fileName: string) => fileName.toLowerCase().endsWith('.mat');

export async function readSignalFile(headerPath: string, path: string, maxBytes: number): Promise<Buffer> {
  try {
    return await readChecked(path, maxBytes);
  } catch (err) {
    if (err instanceof EcgFormatError && err.problem === 'not-found') {
      throw new EcgFormatError(path, 'missing-signal-file', `signal file named in ${headerPath} does not exist`);
    }
    throw err;
  }
}

function checkSpecs(path: string, header: WfdbHeader): void {
  if (header.signals.length === 0) throw new EcgFormatError(path, 'inconsistent', 'header declares no signals');
  if (header.signals.every((s) => s.fileName === '~')) {
    throw new EcgFormatError(
      path,
      'inconsistent',
      'a layout header of a multi-segment record holds no samples; read the record that names it',
    );
  }
  for (const s of header.signals) {
    if (!(SUPPORTED_FORMATS as readonly number[]).includes(s.format)) {
      throw new EcgFormatError(
        path,
        'unsupported-encoding',
        `WFDB storage format ${s.format} (signal '${s.description}') is not supported; supported: ${SUPPORTED_FORMATS.join(', ')}`,
      );
    }
    if (s.samplesPerFrame < 1)
      throw new EcgFormatError(path, 'bad-header', `signal '${s.description}' has ${s.samplesPerFrame} samples per frame`);
    if (s.fileName === '~')
      throw new EcgFormatError(
        path,
        'unsupported-encoding',
        'null signal files (~) hold no samples; only a multi-segment record may name them',
      );
    // A signal file lies beside its header: names with folders could point anywhere on the disk.
    if (!/^[-\w.]+$/.test(s.fileName) || s.fileName.startsWith('.')) {
      throw new EcgFormatError(path, 'unsafe-content', `signal file name '${s.fileName}' is not a plain file name beside the header`);
    }
  }
}

/** One signal of a segment in digital units: `frames * spec.samplesPerFrame` samples. */
interface RawSignal {
  spec: WfdbSignalSpec;
  adc: Int32Array;
  /** Samples from here on are missing: a skew shifted them past the end of the record. */
  validLength: number;
  /** Sum of the samples as stored (before skew), for the header checksum; undefined when the file was short. */
  storedSum?: number;
}

/** The frames a signal file holds, and the per-signal samples in file order (before skew). */
async function decodeFile(
  path: string,
  filePath: string,
  bytes: Buffer,
  specs: WfdbSignalSpec[],
  declared: number | undefined,
  maxSamples: number,
): Promise<{ frames: number; signals: Int32Array[]; short: boolean }> {
  const first = specs[0];
  const spf = specs.map((s) => s.samplesPerFrame);
  const fileName = basename(filePath);
  const truncated = (frames: number, available: number) =>
    new EcgFormatError(
      filePath,
      'truncated',
      `header ${basename(path)} declares ${frames} samples per signal, the file holds ${available}`,
    );
  if (isFlacFormat(first.format)) {
    if (spf.some((v) => v !== spf[0])) {
      throw new EcgFormatError(path, 'inconsistent', `signals in the FLAC file ${fileName} have different samples per frame`);
    }
    const { channels } = decodeFlac(filePath, bytes, maxSamples);
    if (channels.length !== specs.length) {
      throw new EcgFormatError(
        path,
        'inconsistent',
        `FLAC file ${fileName} has ${channels.length} channels, the header names ${specs.length} signals in it`,
      );
    }
    // For FLAC the "byte offset" field counts samples.
    const available = Math.floor(Math.max(0, channels[0].length - first.byteOffset) / spf[0]);
    const frames = declared ?? available;
    if (frames > available) throw truncated(frames, available);
    return { frames, signals: channels.map((c) => c.subarray(first.byteOffset, first.byteOffset + frames * spf[0])), short: false };
  }
  const frameSize = spf.reduce((a, b) => a + b, 0);
  let availableSamples = samplesInBytes(first.format, Math.max(0, bytes.length - first.byteOffset));
  if (isMat(fileName)) {
    const mat = parseMatV4Header(filePath, bytes);
    if (first.format !== 16 || first.byteOffset !== mat.dataOffset || mat.rows !== specs.length || frameSize !== specs.length) {
      throw new EcgFormatError(
        path,
        'inconsistent',
        `header reads ${fileName} as format ${first.format}+${first.byteOffset} with ${specs.length} signals, the MAT file holds a ${mat.rows} x ${mat.cols} int16 matrix at byte ${mat.dataOffset}`,
      );
    }
    availableSamples = mat.cols * mat.rows;
  }
  const available = Math.floor(availableSamples / frameSize);
  let frames = declared ?? available;
  let short = false;
  if (frames > available) {
    // Only the last packed group may be incomplete (as wfdb-python reads it); anything more is a truncated file.
    if (frames * frameSize - availableSamples >= samplesPerBlock(first.format)) throw truncated(frames, available);
    frames = available;
    short = true;
  }
  const flat = decodeSamples(filePath, bytes, first.format, frames * frameSize, first.byteOffset);
  return {
    frames,
    signals: splitFrames(
      flat,
      frames,
      spf,
      first.format,
      specs.map((s) => s.initialValue ?? 0),
    ),
    short,
  };
}

/** Decodes every signal file of a single-segment record once; returns the signals in header order. */
async function readSignals(
  path: string,
  header: WfdbHeader,
  maxBytes: number,
  sourceFiles: string[],
  warnings: string[],
): Promise<{ frames: number; signals: RawSignal[] }> {
  const dir = dirname(path);
  const groups = new Map<string, number[]>();
  header.signals.forEach((s, i) => groups.set(s.fileName, [...(groups.get(s.fileName) ?? []), i]));
  const decoded: { indices: number[]; frames: number; signals: Int32Array[]; short: boolean }[] = [];
  let declared = header.samplesPerSignal;
  for (const [fileName, indices] of groups) {
    const specs = indices.map((i) => header.signals[i]);
    if (specs.some((s) => s.format !== specs[0].format)) {
      throw new EcgFormatError(path, 'inconsistent', `signals in ${fileName} use different storage formats`);
    }
    const filePath = join(dir, fileName);
    const bytes = await readSignalFile(path, filePath, maxBytes);
    sourceFiles.push(filePath);
    // Samples are held as 4-byte integers: the byte limit of one file bounds what a compressed file may unpack to.
    const file = await decodeFile(path, filePath, bytes, specs, declared, maxBytes / 4);
    // Without a length on the record line, the first signal file's length sets it.
    declared ??= file.frames;
    if (file.short) {
      warnings.push(
        `${fileName} holds ${file.frames} of the ${header.samplesPerSignal} samples per signal its header declares; read ${file.frames}`,
      );
    }
    decoded.push({ indices, ...file });
  }
  const frames = Math.min(...decoded.map((d) => d.frames));
  const signals: RawSignal[] = new Array(header.signals.length);
  for (const file of decoded) {
    file.indices.forEach((index, k) => {
      const spec = header.signals[index];
      const spf = spec.samplesPerFrame;
      const stored = file.signals[k].subarray(0, frames * spf);
      let storedSum: number | undefined;
      if (!file.short && frames === file.frames) {
        storedSum = 0;
        for (let i = 0; i < stored.length; i++) storedSum = (storedSum + stored[i]) | 0;
      }
      if (spec.skew === 0) {
        signals[index] = { spec, adc: stored, validLength: stored.length, storedSum };
        return;
      }
      // Skew: sample j of the record is stored `skew` frames later; the last `skew` frames lie past the record.
      const adc = new Int32Array(stored.length);
      const shift = spec.skew * spf;
      adc.set(stored.subarray(Math.min(shift, stored.length)));
      signals[index] = { spec, adc, validLength: Math.max(0, stored.length - shift), storedSum };
    });
  }
  if (header.signals.some((s) => s.skew !== 0)) {
    warnings.push(
      `skewed signals (${header.signals
        .filter((s) => s.skew !== 0)
        .map((s) => `${s.description} by ${s.skew}`)
        .join(', ')}) aligned; their last samples lie past the record's end and read as NaN`,
    );
  }
  return { frames, signals };
}

/** A voltage signal of one segment in millivolts, `frames * spf` samples, before expansion to the record's rate. */
export interface VoltageSignal {
  spec: WfdbSignalSpec;
  name: string;
  mv: Float32Array;
  /** The digital values, kept when every value of mv is (adc - baseline) / gain. */
  adc?: Int32Array;
}

function toVoltage(raw: RawSignal, warnings: string[]): VoltageSignal | undefined {
  const { spec, adc, validLength } = raw;
  const factor = toMillivoltFactor(spec.units);
  const name = normaliseLeadName(spec.description);
  if (factor === undefined || spec.description === 'EDF Annotations') {
    if (spec.description !== 'EDF Annotations') warnings.push(`signal '${spec.description}' is in ${spec.units}, not a voltage; skipped`);
    return undefined;
  }
  if (spec.gainDefaulted)
    warnings.push(`signal '${spec.description}' has ADC gain 0 or none; used the WFDB default of 200 per ${spec.units}`);
  const invalid = INVALID_SAMPLE[spec.format];
  const { baseline, adcGain } = spec;
  const mv = new Float32Array(adc.length);
  let missing = 0;
  for (let i = 0; i < adc.length; i++) {
    const v = adc[i];
    if (v === invalid || i >= validLength) {
      mv[i] = Number.NaN;
      if (i < validLength) missing++;
    } else mv[i] = ((v - baseline) / adcGain) * factor;
  }
  if (spec.checksum !== undefined && raw.storedSum !== undefined && !checksumMatches(raw.storedSum, spec.checksum)) {
    warnings.push(`checksum mismatch on signal '${spec.description}': the signal file does not match its header`);
  }
  if (missing > 0) warnings.push(`signal '${spec.description}' has ${missing} samples marked invalid (read as NaN)`);
  return { spec, name, mv, adc };
}

/** Reads a single-segment record's voltage signals (see VoltageSignal). */
export async function readSegment(
  path: string,
  header: WfdbHeader,
  maxBytes: number,
  sourceFiles: string[],
  warnings: string[],
): Promise<{ frames: number; signals: VoltageSignal[] }> {
  checkSpecs(path, header);
  const { frames, signals } = await readSignals(path, header, maxBytes, sourceFiles, warnings);
  return { frames, signals: signals.flatMap((s) => toVoltage(s, warnings) ?? []) };
}

/**
 * Leads at the record's highest rate: a signal stored at fewer samples per frame than the fastest voltage
 * signal has each sample repeated (sample j at the high rate is sample floor(j * spf / maxSpf) of the signal),
 * as the WFDB library's high-resolution mode and wfdb-python's expanded signals (smooth_frames=False) give them.
 */
export function expandToRecordRate(
  signals: VoltageSignal[],
  frames: number,
  frameRateHz: number,
  warnings: string[],
): { leads: Lead[]; samplingRateHz: number } {
  const maxSpf = Math.max(1, ...signals.map((s) => s.spec.samplesPerFrame));
  const samplingRateHz = frameRateHz * maxSpf;
  if (maxSpf > 1) {
    const slower = signals.filter((s) => s.spec.samplesPerFrame < maxSpf);
    warnings.push(
      `multi-frequency record: ${frameRateHz} frames/s, up to ${maxSpf} samples per frame, read at ${samplingRateHz} Hz` +
        (slower.length > 0
          ? `; ${slower.map((s) => `${s.name} (${frameRateHz * s.spec.samplesPerFrame} Hz)`).join(', ')} repeated to that rate`
          : ''),
    );
  }
  const n = frames * maxSpf;
  const leads = signals.map(({ spec, name, mv, adc }): Lead => {
    const spf = spec.samplesPerFrame;
    const lead: Lead = { name, unit: 'mV', storedUnit: spec.units, derived: false, mv, adc, gain: spec.adcGain, baseline: spec.baseline };
    if (!adc) {
      delete lead.adc;
      delete lead.gain;
      delete lead.baseline;
    }
    if (spf === maxSpf) return lead;
    const up = new Float32Array(n);
    const upAdc = adc ? new Int32Array(n) : undefined;
    for (let j = 0; j < n; j++) {
      const k = Math.floor((j * spf) / maxSpf);
      up[j] = mv[k];
      if (upAdc) upAdc[j] = adc![k];
    }
    return { ...lead, mv: up, ...(upAdc ? { adc: upAdc } : {}) };
  });
  return { leads, samplingRateHz };
}
