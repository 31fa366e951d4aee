/**
 * The import's file worker thread: classifies, reads, hashes and encodes (the stored signal blob) ECG files and
 * finds their reference diagnoses (reading the dataset's label tables) off the main thread, so a slow or stuck
 * file (a network share, a huge record) never stalls the app's API, and the main thread only writes. Driven by fileReaders.ts; loaded
 * through fileWorkerBootstrap.mjs for source runs (as the inference worker is).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { classifyFile, detectFormat, readEcgFile } from '../formats/index.ts';
import type { EcgRecord } from '../formats/record.ts';
import { isRefusal, type ReferenceDiagnosis, ReferenceError, ReferenceResolver } from '../dataset/reference.ts';
import { encodeSignal, signalHash } from '../store/codec.ts';
import { recordBuffers, type FileReply, type FileRequest, type FileWorkerSettings } from './fileWire.ts';

if (!parentPort) throw new Error('fileWorker.ts must run in a worker thread');
const port = parentPort;
// one per worker, and a worker lives for one import: its tables and lookups are cached for that import
const references = new ReferenceResolver({ ptbxlDatabase: (workerData as FileWorkerSettings | null)?.ptbxlDatabase });

/** A label table that cannot be read costs the record its reference, not its import. */
function referenceOf(record: EcgRecord): ReferenceDiagnosis | undefined {
  try {
    const ref = references.forRecord(record);
    return ref && !isRefusal(ref) ? ref : undefined;
  } catch (err) {
    if (err instanceof ReferenceError) return undefined;
    throw err;
  }
}

async function handle(req: FileRequest): Promise<void> {
  if (req.type === 'classify') {
    port.postMessage({ id: req.id, type: 'classified', role: await classifyFile(req.path) } satisfies FileReply);
    return;
  }
  try {
    const record = await readEcgFile(req.path, req.options);
    const encoded = encodeSignal(record.leads);
    // a deflate output can be a view into a larger buffer, which postMessage would copy whole: give it its own
    const data = new Uint8Array(encoded.data);
    const reply: FileReply = {
      id: req.id,
      type: 'read',
      record,
      hash: signalHash(record),
      signal: { leads: encoded.leads, data: Buffer.from(data.buffer) },
      reference: referenceOf(record),
    };
    port.postMessage(reply, [...recordBuffers(record), data.buffer]);
  } catch (err) {
    const format = await detectFormat(req.path).catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    port.postMessage({ id: req.id, type: 'failed', message, format } satisfies FileReply);
  }
}

port.on('message', (req: FileRequest) => void handle(req));
