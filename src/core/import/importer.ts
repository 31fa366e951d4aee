/**
 * Batch import of files and folders into one study: every file is classified by content and gets exactly one
 * outcome row; each record is written in one transaction together with its signal, run, maps, regions and
 * the outcomes of the files it was read from. An import killed at any point resumes, when started again
 * with the same inputs, study, model and options, from the first file without an outcome.
 *
 * Records are written in sorted file order whatever the pipeline's timing, so pseudonyms and the choice
 * of which copy of a duplicated ECG is kept do not depend on interruptions.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FileRole, ReadOptions } from '../formats/index.ts';
import type { EcgRecord } from '../formats/record.ts';
import { isFile } from '../formats/io.ts';
import type { ModelManifest } from '../inference/manifest.ts';
import type { BatchOutcome, PredictOptions } from '../inference/pool.ts';
import type { RecordSignal } from '../signal/preprocess.ts';
import {
  createImportJob,
  type Db,
  discardEmptyImport,
  ensureStudy,
  fileOutcomes,
  type FileOutcomeRow,
  findRecordByHash,
  findStudy,
  findUnfinishedJob,
  type ImportJob,
  insertFileOutcomes,
  insertRecord,
  insertReference,
  insertRun,
  outcomeCounts,
  registerModel,
  setJobStatus,
} from '../store/index.ts';
import type { EncodedSignal } from '../store/codec.ts';
import type { ReferenceDiagnosis } from '../dataset/reference.ts';
import { FileReaders, ReadAbandoned } from './fileReaders.ts';
import { describeNonEcg, ImportInputError, listInputFiles, mapLimit } from './files.ts';

/**
 * The predict step: the inference engine's batch lane (InferencePool.predictBatch has this shape). The import
 * asks for no maps: it stores their digest and the regions, and the maps are recomputed when shown.
 */
export type PredictBatch = (records: readonly RecordSignal[], options: PredictOptions) => Promise<BatchOutcome[]>;

export interface ImportModel {
  manifest: ModelManifest;
  predictBatch: PredictBatch;
}

export interface ImportRequest {
  inputs: string[];
  study: string;
  /** Keep names, patient ids and birth dates; otherwise they are dropped and only the pseudonym remains. */
  keepIdentifiers?: boolean;
  /** The model every record is run through, in the same transaction as the record is stored. */
  model: ImportModel;
  /** Records per pipeline step: read the next chunk while the model runs this one. */
  chunkRecords?: number;
  readOptions?: ReadOptions;
  /** PTB-XL ptbxl_database.csv for the reference diagnoses of every record; default: found beside or above each record. */
  ptbxlDatabase?: string;
  /** The file worker script; bundled builds name their own, source runs use the default beside fileReaders.ts. */
  fileWorkerFile?: URL;
  onProgress?: (progress: ImportProgress) => void;
}

export type ImportPhase = 'listing' | 'classifying' | 'importing' | 'paused' | 'finishing' | 'completed' | 'cancelled';

export interface ImportProgress {
  jobId: number | null;
  phase: ImportPhase;
  filesDone: number;
  filesTotal: number;
  imported: number;
  duplicates: number;
  skipped: number;
  failed: number;
  /** Files per second in this session (resumed files excluded). */
  ratePerS: number;
  etaS: number | null;
  currentFile: string | null;
}

export interface ImportSummary {
  jobId: number;
  studyId: number;
  study: string;
  modelId: string | null;
  /** True when this call continued an interrupted or cancelled job. */
  resumed: boolean;
  status: 'completed' | 'cancelled';
  filesTotal: number;
  imported: number;
  duplicates: number;
  partOfRecord: number;
  skipped: number;
  failed: { file: string; error: string }[];
  elapsedS: number;
  /**
   * Set when a completed import stored no record: why, in words naming the inputs, and whether the study it
   * created was taken back (with the job: `problems` is then the only copy of the job's failure report).
   */
  nothingImported: NothingImported | null;
}

export interface NothingImported {
  message: string;
  studyRemoved: boolean;
  /** The files that were skipped or failed, with the problem (what the job's failure report held). */
  problems: FileOutcomeRow[];
}

/** The model's outcome for one record. */
interface Predicted {
  outcome: BatchOutcome;
  ms: number;
}

interface Prepared {
  path: string;
  record?: EcgRecord;
  hash?: string;
  /** The stored form of the signal, encoded by the file worker. */
  signal?: EncodedSignal;
  /** The record's reference diagnosis, when its dataset has one (found by the file worker). */
  reference?: ReferenceDiagnosis;
  /** Outcome decided without the model (read failure, duplicate). */
  early?: { outcome: 'duplicate' | 'skipped' | 'failed'; reason: string };
  /** The import was cancelled while the file was being read: no outcome, so a resumed import reads it again. */
  abandoned?: boolean;
  readMs: number;
}

const DEFAULT_CHUNK = 16;
const CLASSIFY_CONCURRENCY = 16;
const READ_CONCURRENCY = 4;
/** File worker threads: each loads the readers (a second of compiling in source runs), so no more than the cores can spare. */
const FILE_WORKERS = Math.max(1, Math.min(READ_CONCURRENCY, availableParallelism() - 1));

function jobKey(inputs: string[], study: string, modelId: string | null, keepIdentifiers: boolean): string {
  return createHash('sha256')
    .update(JSON.stringify({ inputs: [...inputs].sort(), study, modelId, keepIdentifiers }))
    .digest('hex');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ImportTask {
  /** Resolves with the summary; rejects only when the import could not run (bad input path, database error). */
  readonly done: Promise<ImportSummary>;
  private state: ImportProgress = {
    jobId: null,
    phase: 'listing',
    filesDone: 0,
    filesTotal: 0,
    imported: 0,
    duplicates: 0,
    skipped: 0,
    failed: 0,
    ratePerS: 0,
    etaS: null,
    currentFile: null,
  };
  private pausedGate: { promise: Promise<void>; release: () => void } | null = null;
  private cancelled = false;
  private readonly started = performance.now();
  /** Reading and hashing happen in worker threads, so a slow or stuck file never stalls the caller's thread. */
  private readonly readers: FileReaders;
  private filesAtStart = 0;

  constructor(
    private readonly db: Db,
    private readonly req: ImportRequest,
  ) {
    this.readers = new FileReaders(FILE_WORKERS, req.fileWorkerFile, { ptbxlDatabase: req.ptbxlDatabase });
    this.done = this.run().finally(() => this.readers.close());
  }

  get progress(): ImportProgress {
    return { ...this.state };
  }

  /** Stops after the chunk in flight is written; nothing is lost. */
  pause(): void {
    if (this.pausedGate || this.cancelled) return;
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.pausedGate = { promise, release };
  }

  resume(): void {
    const gate = this.pausedGate;
    this.pausedGate = null;
    gate?.release();
  }

  /** Ends after the chunk in flight is written, abandoning reads still in flight; the job stays resumable. */
  cancel(): void {
    this.cancelled = true;
    this.readers.close();
    this.resume();
  }

  private emit(patch: Partial<ImportProgress>): void {
    Object.assign(this.state, patch);
    const elapsedS = (performance.now() - this.started) / 1000;
    const doneNow = this.state.filesDone - this.filesAtStart;
    this.state.ratePerS = elapsedS > 0 ? doneNow / elapsedS : 0;
    this.state.etaS = this.state.ratePerS > 0 ? (this.state.filesTotal - this.state.filesDone) / this.state.ratePerS : null;
    this.req.onProgress?.({ ...this.state });
  }

  private count(rows: FileOutcomeRow[]): void {
    const s = this.state;
    for (const r of rows) {
      if (r.outcome === 'imported') s.imported++;
      else if (r.outcome === 'duplicate') s.duplicates++;
      else if (r.outcome === 'skipped') s.skipped++;
      else if (r.outcome === 'failed') s.failed++;
    }
    s.filesDone += rows.length;
  }

  private async run(): Promise<ImportSummary> {
    const { db, req } = this;
    const model = req.model;
    const keep = req.keepIdentifiers ?? false;
    this.emit({ phase: 'listing' });
    if (req.ptbxlDatabase !== undefined && !isFile(resolve(req.ptbxlDatabase))) {
      throw new ImportInputError(resolve(req.ptbxlDatabase), 'no such PTB-XL database file');
    }
    const { files, unreadable } = await listInputFiles(req.inputs);
    const inputs = req.inputs.map((p) => resolve(p));
    const key = jobKey(inputs, req.study.trim(), model.manifest.id, keep);
    const { job, resumed, studyExisted } = db
      .transaction(() => {
        const existed = findStudy(db, req.study.trim()) !== null;
        const study = ensureStudy(db, req.study);
        registerModel(db, model.manifest);
        const open = findUnfinishedJob(db, key);
        const j: ImportJob =
          open ?? createImportJob(db, { studyId: study.id, modelId: model.manifest.id, inputs, inputsKey: key, keepIdentifiers: keep });
        setJobStatus(db, j.id, 'running', files.length + unreadable.length);
        return { job: j, resumed: open !== null, studyExisted: existed };
      })
      .immediate();

    const decided = new Set<string>();
    const previous = fileOutcomes(db, job.id);
    this.count(previous);
    for (const r of previous) decided.add(r.path);
    this.filesAtStart = this.state.filesDone;
    this.emit({ jobId: job.id, filesTotal: files.length + unreadable.length, phase: 'classifying' });

    const folderFailures = unreadable
      .filter((u) => !decided.has(u.path))
      .map((u): FileOutcomeRow => ({ path: u.path, outcome: 'failed', recordId: null, reason: u.reason }));
    this.write(job.id, folderFailures, decided);

    const pending = files.filter((f) => !decided.has(f));
    const roles = new Map<string, FileRole>();
    const classified = await mapLimit(pending, CLASSIFY_CONCURRENCY, (path) =>
      this.readers.classify(path).catch((err: unknown) => {
        if (err instanceof ReadAbandoned) return 'other' as const;
        throw err;
      }),
    );
    pending.forEach((f, i) => roles.set(f, classified[i]!));
    const candidates = pending.filter((f) => roles.get(f) === 'record');

    this.emit({ phase: 'importing' });
    const size = req.chunkRecords ?? DEFAULT_CHUNK;
    const chunks: string[][] = [];
    for (let i = 0; i < candidates.length; i += size) chunks.push(candidates.slice(i, i + size));
    const seen = new Map<string, string>();
    // Three stages overlap: chunk k+1 is read while chunk k is in the model and chunk k-1 is written. Chunk k is
    // handed to the pool before chunk k-1 is written, so the model never waits for the store (it did, idle a
    // quarter of the time, when each chunk was written before the next was sent).
    let reading: Promise<Prepared[]> | null = chunks.length ? this.prepare(chunks[0]!, job, seen) : null;
    type InModel = { prepared: Prepared[]; predicting: Promise<Map<Prepared, Predicted>> };
    let inModel: InModel | null = null;
    for (let k = 1; (reading || inModel) && !this.cancelled; k++) {
      let sent: InModel | null = null;
      if (reading) {
        const prepared = await reading;
        sent = { prepared, predicting: this.predict(prepared) };
        reading = k < chunks.length ? this.prepare(chunks[k]!, job, seen) : null;
      }
      if (inModel) {
        this.writeChunk(job, inModel.prepared, await inModel.predicting, roles, decided);
        if (this.pausedGate) {
          this.emit({ phase: 'paused' });
          await this.pausedGate.promise;
          if (!this.cancelled) this.emit({ phase: 'importing' });
        }
      }
      inModel = sent;
    }
    if (this.cancelled) {
      // the chunk in the model and the read-ahead may still be running; let them settle before reporting (their
      // files have no outcome yet, so a resumed import reads them again)
      await inModel?.predicting.catch(() => undefined);
      await reading?.catch(() => undefined);
      setJobStatus(db, job.id, 'cancelled');
      this.emit({ phase: 'cancelled', currentFile: null });
      return this.summary(job, resumed, 'cancelled');
    }

    this.emit({ phase: 'finishing', currentFile: null });
    const leftovers = files.filter((f) => !decided.has(f));
    const rows = await mapLimit(leftovers, CLASSIFY_CONCURRENCY, async (path): Promise<FileOutcomeRow> => {
      const reason =
        roles.get(path) === 'companion'
          ? 'part of a record that was not imported (its header is missing, failed or is outside the import)'
          : await describeNonEcg(path);
      return { path, outcome: 'skipped', recordId: null, reason };
    });
    this.write(job.id, rows, decided);
    setJobStatus(db, job.id, 'completed');
    const summary = this.summary(job, resumed, 'completed');
    if (summary.imported === 0 && summary.duplicates === 0) {
      const problems = fileOutcomes(db, job.id).filter((r) => r.outcome === 'failed' || r.outcome === 'skipped');
      // a study that was there before this import stays, empty or not
      const studyRemoved = (resumed || !studyExisted) && discardEmptyImport(db, job.id);
      summary.nothingImported = { message: nothingImportedMessage(inputs, summary, studyRemoved), studyRemoved, problems };
    }
    this.emit({ phase: 'completed' });
    return summary;
  }

  /** Reads a chunk and decides duplicates in file order; runs while the model works on the previous chunk. */
  private async prepare(paths: string[], job: ImportJob, seen: Map<string, string>): Promise<Prepared[]> {
    const reads = await mapLimit(paths, READ_CONCURRENCY, async (path): Promise<Prepared> => {
      const t0 = performance.now();
      let read;
      try {
        read = await this.readers.read(path, this.req.readOptions);
      } catch (err) {
        if (err instanceof ReadAbandoned) return { path, abandoned: true, readMs: performance.now() - t0 };
        read = { ok: false as const, message: message(err), format: undefined };
      }
      if (read.ok) {
        const { record, hash, signal, reference } = read;
        return { path, record, hash, signal, reference, readMs: performance.now() - t0 };
      }
      // CSV is the loosest format: a table that sniffs as CSV but holds no signal is not an ECG.
      const outcome = read.format === 'csv' ? 'skipped' : 'failed';
      const reason = read.format === 'csv' ? `not an ECG: table without readable signal columns (${read.message})` : read.message;
      return { path, early: { outcome, reason }, readMs: performance.now() - t0 };
    });
    for (const p of reads) {
      if (!p.hash) continue;
      const earlier = seen.get(p.hash);
      const stored = earlier ? null : findRecordByHash(this.db, job.studyId, p.hash);
      if (earlier || stored) {
        const what = stored ? `${stored.pseudonym} (${stored.sourcePath})` : earlier!;
        p.early = { outcome: 'duplicate', reason: `same signal as ${what}, already in this study` };
      } else seen.set(p.hash, p.path);
    }
    return reads;
  }

  /** Per-record outcomes of the model; a failed batch is retried record by record so one bad record fails alone. */
  private async predict(prepared: Prepared[]): Promise<Map<Prepared, Predicted>> {
    const out = new Map<Prepared, Predicted>();
    const model = this.req.model;
    const todo = prepared.filter((p) => p.record && !p.early);
    if (todo.length === 0) return out;
    const t0 = performance.now();
    try {
      const outcomes = await model.predictBatch(
        todo.map((p) => p.record!),
        { maps: false },
      );
      const ms = (performance.now() - t0) / todo.length;
      todo.forEach((p, i) => out.set(p, { outcome: outcomes[i]!, ms }));
    } catch {
      for (const p of todo) {
        const t1 = performance.now();
        const [outcome] = await model
          .predictBatch([p.record!], { maps: false })
          .catch((err: Error) => [{ ok: false as const, error: err }]);
        out.set(p, { outcome: outcome!, ms: performance.now() - t1 });
      }
    }
    return out;
  }

  /**
   * One transaction per chunk, each record in a savepoint of its own: a commit per record cost more than the
   * record's rows (profiled); a record still lands whole with its outcome rows, or not at all.
   */
  private writeChunk(
    job: ImportJob,
    prepared: Prepared[],
    predictions: Map<Prepared, Predicted>,
    roles: Map<string, FileRole>,
    decided: Set<string>,
  ): void {
    this.db.transaction(() => this.writeRecords(job, prepared, predictions, roles, decided)).immediate();
    this.emit({});
  }

  private writeRecords(
    job: ImportJob,
    prepared: Prepared[],
    predictions: Map<Prepared, Predicted>,
    roles: Map<string, FileRole>,
    decided: Set<string>,
  ): void {
    for (const p of prepared) {
      if (p.abandoned) continue;
      this.state.currentFile = p.path;
      const companions = (p.record?.sourceFiles ?? []).filter((f) => f !== p.path && roles.get(f) === 'companion' && !decided.has(f));
      const partOf = (recordId: number | null): FileOutcomeRow[] =>
        companions.map((f) => ({ path: f, outcome: 'part-of-record', recordId, reason: `belongs to record ${p.path}` }));
      const predicted = predictions.get(p);
      const early =
        p.early ??
        (predicted && !predicted.outcome.ok
          ? { outcome: 'failed' as const, reason: `the model could not run on this record: ${message(predicted.outcome.error)}` }
          : undefined);
      if (early || !predicted?.outcome.ok) {
        const { outcome, reason } = early ?? { outcome: 'failed' as const, reason: `${p.path}: no prediction came back` };
        this.write(job.id, [{ path: p.path, outcome, recordId: null, reason }, ...partOf(null)], decided);
        continue;
      }
      const prediction = predicted.outcome.prediction;
      let rows: FileOutcomeRow[];
      try {
        rows = this.db
          .transaction(() => {
            const { id, pseudonym } = insertRecord(this.db, job.studyId, p.record!, p.hash!, job.keepIdentifiers, p.signal);
            insertRun(this.db, id, prediction, { readMs: p.readMs, predictMs: predicted.ms });
            if (p.reference) insertReference(this.db, id, p.reference);
            const all: FileOutcomeRow[] = [
              { path: p.path, outcome: 'imported', recordId: id, reason: `imported as ${pseudonym}` },
              ...partOf(id),
            ];
            insertFileOutcomes(this.db, job.id, all);
            return all;
          })
          .immediate();
      } catch (err) {
        // another import into the same study stored this signal after we checked
        const stored = findRecordByHash(this.db, job.studyId, p.hash!);
        if (!stored) throw err;
        const reason = `same signal as ${stored.pseudonym} (${stored.sourcePath}), already in this study`;
        this.write(job.id, [{ path: p.path, outcome: 'duplicate', recordId: null, reason }, ...partOf(null)], decided);
        continue;
      }
      for (const r of rows) decided.add(r.path);
      this.count(rows);
    }
  }

  private write(jobId: number, rows: FileOutcomeRow[], decided: Set<string>): void {
    if (rows.length === 0) return;
    this.db.transaction(() => insertFileOutcomes(this.db, jobId, rows)).immediate();
    for (const r of rows) decided.add(r.path);
    this.count(rows);
    this.emit({});
  }

  private summary(job: ImportJob, resumed: boolean, status: 'completed' | 'cancelled'): ImportSummary {
    const counts = outcomeCounts(this.db, job.id);
    const failed = fileOutcomes(this.db, job.id)
      .filter((r) => r.outcome === 'failed')
      .map((r) => ({ file: r.path, error: r.reason }));
    return {
      jobId: job.id,
      studyId: job.studyId,
      study: this.req.study.trim(),
      modelId: job.modelId,
      resumed,
      status,
      filesTotal: this.state.filesTotal,
      imported: counts.imported,
      duplicates: counts.duplicate,
      partOfRecord: counts['part-of-record'],
      skipped: counts.skipped,
      failed,
      elapsedS: (performance.now() - this.started) / 1000,
      nothingImported: null,
    };
  }
}

/** "No ECG files found in /data/x (12 files, none an ECG)" or "all 5 files ... failed", naming the inputs. */
export function nothingImportedMessage(inputs: readonly string[], s: ImportSummary, studyRemoved: boolean): string {
  const where = inputs.length === 1 ? inputs[0]! : `${inputs[0]} and ${inputs.length - 1} more`;
  const failed = s.failed.length;
  const why =
    s.filesTotal === 0
      ? `No ECG files found in ${where}: it holds no files`
      : failed === 0
        ? `No ECG files found in ${where}: ${s.filesTotal === 1 ? 'its one file is not' : `none of its ${s.filesTotal} files is`} an ECG this app reads`
        : `Nothing imported from ${where}: ${failed === 1 ? 'the one file that looked like an ECG' : `all ${failed} files that looked like ECGs`} failed` +
          (s.skipped === 1 ? '; 1 other file was skipped' : s.skipped > 1 ? `; ${s.skipped} other files were skipped` : '');
  const study = studyRemoved ? `study “${s.study}” was not created` : `study “${s.study}” is unchanged`;
  return `${why}; ${study}.`;
}

/** Starts an import in the background; progress comes through `onProgress`, the result through `task.done`. */
export function startImport(db: Db, req: ImportRequest): ImportTask {
  return new ImportTask(db, req);
}
