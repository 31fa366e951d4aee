/**
 * WFDB formats 508, 516 and 524: a signal file that is a FLAC stream with one channel per signal and 8, 16 or
 * 24 bits per sample (newer PhysioNet databases). Decoded with @wasm-audio-decoders/flac (libFLAC compiled to
 * WebAssembly, bundled in the package, so it works offline), which hands back float32 in [-1, 1]: the integer
 * is v * (2^(bits-1) - 1), exact after rounding because a float32 carries 24 significant bits.
 */
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { EcgFormatError } from '../errors.ts';

let decoder: Promise<FLACDecoder> | undefined;

/** One decoder per process, created on first use; decodeFile runs to completion before the next call starts. */
async function sharedDecoder(): Promise<FLACDecoder> {
  decoder ??= (async () => {
    const d = new FLACDecoder();
    await d.ready;
    return d;
  })();
  return decoder;
}

let queue: Promise<unknown> = Promise.resolve();

/** The decoder is a stateful stream decoder that decodeFile resets when done: calls must not overlap. */
function serialised<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

export interface FlacSignals {
  channels: Int32Array[];
  bitsPerSample: number;
}

export const looksLikeFlac = (bytes: Buffer): boolean => bytes.length >= 4 && bytes.toString('latin1', 0, 4) === 'fLaC';

/** Decodes a whole FLAC file into one integer array per channel. */
export async function decodeFlac(path: string, bytes: Buffer): Promise<FlacSignals> {
  if (!looksLikeFlac(bytes))
    throw new EcgFormatError(path, 'bad-value', 'signal file of a FLAC format (508/516/524) does not start with fLaC');
  const decoded = await serialised(async () => {
    const d = await sharedDecoder();
    return d.decodeFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  });
  if (decoded.errors.length > 0) {
    throw new EcgFormatError(path, 'bad-value', `FLAC stream is damaged: ${decoded.errors[0].message ?? String(decoded.errors[0])}`);
  }
  const bits = decoded.bitDepth;
  if (![8, 16, 24].includes(bits))
    throw new EcgFormatError(path, 'unsupported-encoding', `FLAC stream has ${bits} bits per sample; WFDB uses 8, 16 or 24`);
  const scale = 2 ** (bits - 1) - 1;
  const channels = decoded.channelData.map((data) => {
    const out = new Int32Array(decoded.samplesDecoded);
    for (let i = 0; i < out.length; i++) out[i] = Math.round(data[i] * scale);
    return out;
  });
  return { channels, bitsPerSample: bits };
}
