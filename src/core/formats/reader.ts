/**
 * The contract every format reader implements. The registry in index.ts tries readers in order:
 * the first whose `sniff` accepts the file's first bytes reads it. Readers never throw anything but EcgFormatError.
 */
import type { LimitMode } from './limits.ts';
import type { EcgRecord, FormatId } from './record.ts';

export interface ReadOptions {
  /** Largest file (any one of a record's files) the readers will load, in bytes. */
  maxBytes?: number;
  /** Sampling rate for formats that may not state one (CSV without a rate comment or time column). */
  samplingRateHz?: number;
  /** Compute III, aVR, aVL, aVF from I and II when a file stores only I and II of the limb leads. */
  deriveLimbLeads?: boolean;
  /** Look for dataset metadata beside the record (PTB-XL `ptbxl_database.csv`, LUDB `ludb.csv`). */
  datasetMetadata?: boolean;
  /**
   * 'enforce' (default): refuse records beyond the use limits (limits.ts). 'describe': read them anyway and
   * say so in a warning, for `inspect`; the memory budget holds in both.
   */
  limits?: LimitMode;
}

export const DEFAULT_MAX_BYTES = 256 * 2 ** 20;

/** What `sniff` sees: enough to classify a file without loading it. */
export interface SniffInput {
  /** Absolute path. */
  path: string;
  /** Lower-case extension including the dot ('' when none), a hint only: detection is by content. */
  ext: string;
  /** File size in bytes. */
  size: number;
  /** The first SNIFF_BYTES bytes (or the whole file when smaller). */
  head: Buffer;
}

export const SNIFF_BYTES = 64 * 1024;

/** What `read` gets: the whole file, already size-checked, plus the options with defaults applied. */
export interface ReadInput {
  path: string;
  bytes: Buffer;
  options: Required<Omit<ReadOptions, 'samplingRateHz'>> & Pick<ReadOptions, 'samplingRateHz'>;
}

export interface FormatReader {
  id: FormatId;
  /** True when the content is this format. Must be cheap and must not throw. */
  sniff(input: SniffInput): boolean;
  read(input: ReadInput): Promise<EcgRecord>;
}
