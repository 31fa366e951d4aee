/** What crosses the boundary between the import and its file workers. */
import type { FileRole, ReadOptions } from '../formats/index.ts';
import type { EcgRecord, FormatId } from '../formats/record.ts';
import type { ReferenceDiagnosis } from '../dataset/reference.ts';
import type { EncodedSignal } from '../store/codec.ts';

/** Fixed for a worker's life (one import): its workerData. */
export interface FileWorkerSettings {
  /** The PTB-XL table for every record's reference diagnosis, instead of one found beside or above the record. */
  ptbxlDatabase?: string;
}

export type FileRequest =
  { id: number; type: 'classify'; path: string } | { id: number; type: 'read'; path: string; options: ReadOptions | undefined };

export type FileReply =
  | { id: number; type: 'classified'; role: FileRole }
  | { id: number; type: 'read'; record: EcgRecord; hash: string; signal: EncodedSignal; reference?: ReferenceDiagnosis }
  | { id: number; type: 'failed'; message: string; format: FormatId | undefined };

/** The sample buffers of a record, moved rather than copied to the importing thread. */
export function recordBuffers(record: EcgRecord): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const lead of record.leads) {
    for (const a of [lead.mv, lead.adc]) if (a && a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  }
  return [...buffers];
}
