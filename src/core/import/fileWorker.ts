/**
 * The import's file worker thread: classifies, reads and hashes ECG files off the main thread, so a slow or
 * stuck file (a network share, a huge record) never stalls the app's API. Driven by fileReaders.ts; loaded
 * through fileWorkerBootstrap.mjs for source runs (as the inference worker is).
 */
import { parentPort } from 'node:worker_threads';
import { classifyFile, detectFormat, readEcgFile } from '../formats/index.ts';
import { signalHash } from '../store/codec.ts';
import { recordBuffers, type FileReply, type FileRequest } from './fileWire.ts';

if (!parentPort) throw new Error('fileWorker.ts must run in a worker thread');
const port = parentPort;

async function handle(req: FileRequest): Promise<void> {
  if (req.type === 'classify') {
    port.postMessage({ id: req.id, type: 'classified', role: await classifyFile(req.path) } satisfies FileReply);
    return;
  }
  try {
    const record = await readEcgFile(req.path, req.options);
    const reply: FileReply = { id: req.id, type: 'read', record, hash: signalHash(record) };
    port.postMessage(reply, recordBuffers(record));
  } catch (err) {
    const format = await detectFormat(req.path).catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    port.postMessage({ id: req.id, type: 'failed', message, format } satisfies FileReply);
  }
}

port.on('message', (req: FileRequest) => void handle(req));
