/**
 * A small pool of file worker threads (fileWorker.ts) for the import: classifying, reading and hashing happen
 * there, so the importing thread (the app's main thread) only waits on messages. A job that never returns
 * (a read stuck on a network share) holds one worker, not the app; close() abandons such work.
 */
import { Worker } from 'node:worker_threads';
import type { FileRole, ReadOptions } from '../formats/index.ts';
import type { EcgRecord, FormatId } from '../formats/record.ts';
import type { ReferenceDiagnosis } from '../dataset/reference.ts';
import type { EncodedSignal } from '../store/codec.ts';
import type { FileReply, FileRequest, FileWorkerSettings } from './fileWire.ts';

export type ReadResult =
  | { ok: true; record: EcgRecord; hash: string; signal: EncodedSignal; reference?: ReferenceDiagnosis }
  | { ok: false; message: string; format: FormatId | undefined };

/** What an abandoned job settles with: the import was cancelled while the file was still being read. */
export class ReadAbandoned extends Error {
  constructor(readonly path: string) {
    super(`${path}: reading abandoned (import cancelled)`);
    this.name = 'ReadAbandoned';
  }
}

type Request = FileRequest extends infer R ? (R extends FileRequest ? Omit<R, 'id'> : never) : never;

interface Job {
  request: Request;
  resolve: (reply: FileReply) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy?: { id: number; job: Job };
}

export class FileReaders {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly workerFile: URL = new URL('./fileWorkerBootstrap.mjs', import.meta.url),
    private readonly settings: FileWorkerSettings = {},
  ) {}

  async classify(path: string): Promise<FileRole> {
    const reply = await this.submit({ type: 'classify', path });
    return reply.type === 'classified' ? reply.role : 'other';
  }

  async read(path: string, options: ReadOptions | undefined): Promise<ReadResult> {
    const reply = await this.submit({ type: 'read', path, options });
    if (reply.type === 'read') {
      // a Buffer arrives as a plain Uint8Array: wrap it, no copy
      const { leads, data } = reply.signal;
      const signal = { leads, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
      return { ok: true, record: reply.record, hash: reply.hash, signal, reference: reply.reference };
    }
    if (reply.type === 'failed') return { ok: false, message: reply.message, format: reply.format };
    throw new Error(`${path}: unexpected reply ${reply.type} from a file worker`);
  }

  /** Ends the workers; jobs queued or in flight settle with ReadAbandoned. A worker stuck in a read is let go. */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ReadAbandoned(job.request.path));
    for (const slot of this.slots.splice(0)) {
      if (slot.busy) slot.busy.job.reject(new ReadAbandoned(slot.busy.job.request.path));
      slot.worker.unref();
      void slot.worker.terminate();
    }
  }

  private submit(request: Request): Promise<FileReply> {
    if (this.closed) return Promise.reject(new ReadAbandoned(request.path));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.busy) ?? (this.slots.length < this.size ? this.startWorker() : undefined);
      if (!slot) return;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = { id, job };
      slot.worker.ref();
      slot.worker.postMessage({ ...job.request, id } as FileRequest);
    }
  }

  private startWorker(): Slot {
    const slot: Slot = { worker: new Worker(this.workerFile, { workerData: this.settings }) };
    slot.worker.on('message', (reply: FileReply) => {
      const busy = slot.busy;
      if (!busy || reply.id !== busy.id) return;
      slot.busy = undefined;
      slot.worker.unref();
      busy.job.resolve(reply);
      this.dispatch();
    });
    // a crashed worker (out of memory on a hostile file) fails its one job and is replaced
    const lost = (err: Error) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      slot.busy?.job.reject(new Error(`${slot.busy.job.request.path}: file worker failed (${err.message})`));
      this.dispatch();
    };
    slot.worker.on('error', lost);
    slot.worker.on('exit', (code) => lost(new Error(`exit code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}
