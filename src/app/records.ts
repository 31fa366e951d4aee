import { endianness } from 'node:os';
import { ModelError } from '../core/inference/errors.ts';
import { attributionSha256, type Prediction } from '../core/inference/explain.ts';
import { type Occlusion, occludeLeads, occludeTopRegions, WHAT_IF_BASELINE } from '../core/inference/whatIf.ts';
import {
  type Db,
  getRecord,
  getRecordSummary,
  getRun,
  listStudies,
  type MapsCheck,
  openStore,
  runAttribution,
  type RunAttribution,
  StoreError,
  type StoredRun,
} from '../core/store/index.ts';
import { getReference, studyReferenceClasses } from '../core/store/references.ts';
import { getBlinding, getViewerSettings, setViewerSettings } from '../core/store/viewerQueries.ts';
import { type WorklistQuery, worklistPage, worklistStep, worklistSummary } from '../core/store/worklistQuery.ts';
import { seedFromText } from '../shared/seededRandom.ts';
import { ApiError } from '../shared/api/contract.ts';
import {
  type Float32Payload,
  type MapsCheckDto,
  type OcclusionRequest,
  type ViewerSettings,
  viewerSettings,
  type WorklistFilterDto,
} from '../shared/api/records.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';
import { importingInto } from './import.ts';
import { appPool, closeAppPools } from './inference.ts';

type RecordsMethod =
  | 'records.studies'
  | 'records.worklist'
  | 'records.worklistStep'
  | 'records.reference'
  | 'records.get'
  | 'records.run'
  | 'records.weights'
  | 'records.whatIf'
  | 'records.viewerSettings'
  | 'records.saveViewerSettings';

const stores = new WeakMap<AppContext, Db>();

/** The app's one connection to its database, opened (and migrated) on first use. */
export function appStore(ctx: AppContext): Db {
  let db = stores.get(ctx);
  if (!db) {
    db = openStore(ctx.dbPath);
    stores.set(ctx, db);
  }
  return db;
}

/**
 * Makes `dbPath` the app's database: closes the open connection and the inference pools; the next appStore
 * call opens the new file.
 */
/** Closes the app's connection (SQLite then checkpoints and removes a `-wal`); the next appStore call reopens. */
export function closeAppStore(ctx: AppContext): void {
  stores.get(ctx)?.close();
  stores.delete(ctx);
}

export function switchAppStore(ctx: AppContext, dbPath: string): void {
  closeAppStore(ctx);
  void closeAppPools(ctx);
  ctx.dbPath = dbPath;
}

/** Store and model errors keep their meaning across the API: a missing row is not-found, not internal. */
export async function asApiErrors<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof StoreError) {
      const code =
        err.problem === 'not-found'
          ? 'not-found'
          : err.problem === 'invalid'
            ? 'bad-request'
            : err.problem === 'conflict'
              ? 'conflict'
              : 'internal';
      throw new ApiError(code, err.message);
    }
    if (err instanceof ModelError && err.problem === 'not-found') throw new ApiError('not-found', err.message);
    if (err instanceof RangeError) throw new ApiError('bad-request', err.message);
    throw err;
  }
}

const hostIsLittleEndian = endianness() === 'LE';

export function float32Payload(values: Float32Array): Float32Payload {
  let bytes: Buffer;
  if (hostIsLittleEndian) bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  else {
    bytes = Buffer.allocUnsafe(values.length * 4);
    values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  }
  return { encoding: 'f32le-base64', length: values.length, data: bytes.toString('base64') };
}

export const DEFAULT_VIEWER_SETTINGS: ViewerSettings = {
  // 96 dpi CSS pixels; the user calibrates against a ruler for a true-to-scale display
  pxPerMm: 96 / 25.4,
  paperSize: 'fit',
  layout: '3x4',
  speedMmPerS: 25,
  gainMmPerMv: 10,
  highPass: false,
  notchHz: null,
  scaleMode: 'per-record',
  fixedScaleMax: 0.05,
  randomOrder: false,
};

/** A run with its attribution maps and the record's model input, kept for the latest few runs so what-if replies fast. */
interface RunContext {
  run: StoredRun;
  maps: RunAttribution;
  /** The execution provider that recomputed the maps (the pool's priority worker). */
  provider: string;
}

const RUN_CACHE_SIZE = 4;

function createRunContexts(ctx: AppContext) {
  const runs = new Map<string, Promise<RunContext>>();

  const load = async (runId: number): Promise<RunContext> => {
    const db = appStore(ctx);
    const row = db.prepare('SELECT record_id, model_id FROM runs WHERE id = ?').get(runId) as
      { record_id: number; model_id: string } | undefined;
    if (!row) throw new ApiError('not-found', `run ${runId} does not exist`);
    const run = getRun(db, row.record_id, row.model_id);
    if (!run || run.id !== runId) throw new ApiError('conflict', `run ${runId} is not the latest run of record ${row.record_id}`);
    const pool = await appPool(ctx, run.modelId);
    const maps = await runAttribution(db, run, {
      preprocess: (record) => pool.preprocess(record),
      runWindows: (inputs) => pool.runWindows(inputs, { priority: true }),
    });
    return { run, maps, provider: pool.executionProviders[0] ?? 'unknown' };
  };

  return (runId: number): Promise<RunContext> => {
    // keyed by database too: opening another database (switchAppStore) reuses run ids
    const key = `${ctx.dbPath}\n${runId}`;
    let entry = runs.get(key);
    if (!entry) {
      entry = load(runId);
      entry.catch(() => runs.delete(key));
      runs.set(key, entry);
      if (runs.size > RUN_CACHE_SIZE) runs.delete(runs.keys().next().value!);
    }
    return entry;
  };
}

/** The maps check in the viewer's words, with the digests and providers for whoever wants them. */
export function mapsCheckDto(check: MapsCheck, importedOn: string, recomputedOn: string): MapsCheckDto {
  const short = (sha: string) => sha.slice(0, 12);
  switch (check.kind) {
    case 'stored':
      return { status: 'stored', notice: null, detail: `attribution maps stored at import (float16), computed on ${importedOn}` };
    case 'recomputed':
      return {
        status: 'recomputed',
        notice: null,
        detail: `attribution maps recomputed on ${recomputedOn}; sha256 ${short(check.sha256)} equals the one stored at import (${importedOn})`,
      };
    case 'differs':
      return {
        status: 'differs',
        notice:
          'The evidence colours were recalculated on this computer and differ slightly from those shown when this ECG was imported; ' +
          'other raters may have seen slightly different colours.',
        detail:
          `attribution map sha256 mismatch: imported ${short(check.importedSha256)} on ${importedOn}, ` +
          `recomputed ${short(check.recomputedSha256)} on ${recomputedOn}; largest logit change ${check.maxLogitChange.toExponential(2)}`,
      };
  }
}

/** The stored run as the engine's Prediction, so its what-if can replay it without re-running the original. */
function asPrediction(rc: RunContext): Prediction {
  const { run } = rc;
  const { input } = rc.maps;
  return {
    modelId: run.modelId,
    executionProvider: run.provider as Prediction['executionProvider'],
    leads: input.leads,
    samplingRateHz: input.samplingRateHz,
    samples: input.samples,
    inputLength: input.inputLength,
    windowStarts: input.windowStarts,
    classes: run.classes,
    completenessMaxAbsError: run.completenessError,
    windows: input.windows,
    attribution: rc.maps.attribution,
    attributionSha256: attributionSha256(rc.maps.attribution),
    regions: run.regions.map((r) => ({ ...r, startS: r.startSample / run.mapRateHz, endS: r.endSample / run.mapRateHz })),
    warnings: run.warnings,
    providerNotes: [],
  };
}

function occlusionsFor(prediction: Prediction, run: StoredRun, classCode: string, req: OcclusionRequest): Occlusion[] {
  switch (req.kind) {
    case 'region': {
      const region = run.regions.find((r) => r.id === req.regionId);
      if (!region) throw new ApiError('not-found', `evidence region ${req.regionId} is not in run ${run.id}`);
      return [{ lead: region.lead, startSample: region.startSample, endSample: region.endSample }];
    }
    case 'lead':
      return occludeLeads(prediction, [req.lead]);
    case 'top-regions':
      return occludeTopRegions(prediction, classCode, req.n);
  }
}

/** Raw W of one class and window on the record's time axis: the window's span holds its W, 0 elsewhere. */
function windowWeights(rc: RunContext, W: Float32Array, classIndex: number, classes: number, w: number): Float32Array {
  const { input } = rc.maps;
  const C = input.leads.length;
  const N = input.samples;
  const L = input.inputLength;
  const start = input.windowStarts[w];
  if (start === undefined) throw new ApiError('bad-request', `window ${w} does not exist (the run has ${input.windowStarts.length})`);
  const out = new Float32Array(C * N);
  const base = (w * classes + classIndex) * C * L;
  for (let l = 0; l < C; l++) out.set(W.subarray(base + l * L, base + (l + 1) * L), l * N + start);
  return out;
}

function classIndexOf(run: StoredRun, classCode: string): number {
  const k = run.classes.findIndex((c) => c.code === classCode);
  if (k < 0) throw new ApiError('not-found', `class ${classCode} is not among the classes of model ${run.modelId}`);
  return k;
}

/**
 * The store's worklist query for a rater. Where the study hides predictions, filters on them are dropped:
 * they would tell the rater what the model said; where it hides reference diagnoses, search skips them.
 */
function worklistQueryOf(
  db: Db,
  studyId: number,
  raterId: string,
  filter: WorklistFilterDto,
  shuffled: boolean,
): { query: WorklistQuery; hidePredictions: boolean; hideReference: boolean } {
  const { blinded, hideProbability, hideReference } = getBlinding(db, studyId);
  if (hideReference && (filter.disagreesWithReference || filter.referenceClass !== null)) {
    throw new ApiError('bad-request', 'this study hides the reference diagnoses from raters');
  }
  const visible = hideProbability ? { ...filter, classCode: null, minProbability: 0, maxProbability: 1 } : filter;
  return {
    query: {
      studyId,
      raterId,
      blinded,
      filter: visible,
      shuffleSeed: shuffled ? seedFromText(`${raterId}:${studyId}`) : null,
      searchClinical: !hideReference,
    },
    hidePredictions: hideProbability,
    hideReference,
  };
}

export function recordsHandlers(ctx: AppContext): Handlers<RecordsMethod> {
  const runContext = createRunContexts(ctx);
  return {
    'records.studies': () => asApiErrors(() => listStudies(appStore(ctx)).map((s) => ({ id: s.id, name: s.name, records: s.records }))),

    'records.worklist': ({ studyId, raterId, filter, shuffled, offset, limit }) =>
      asApiErrors(() => {
        const db = appStore(ctx);
        const { query, hidePredictions, hideReference } = worklistQueryOf(db, studyId, raterId, filter, shuffled);
        const page = worklistPage(db, query, offset, limit);
        const summary = worklistSummary(db, studyId, raterId);
        // hidden predictions never leave the server, so no screen can show them; references are read for the
        // page's records only (a study's can be tens of thousands of rows)
        return {
          total: page.total,
          offset,
          items: page.rows.map((it) => ({
            recordId: it.recordId,
            pseudonym: it.pseudonym,
            recordName: it.recordName,
            durationS: it.durationS,
            topClass: hidePredictions ? null : it.topClass,
            topProbability: hidePredictions ? null : it.topProbability,
            predicted: hidePredictions ? [] : it.predicted,
            labelsByMe: it.labelsByRater,
            reviewedByMe: it.reviewedByRater,
            disagreement: it.disagreement,
            reference: hideReference ? null : (getReference(db, it.recordId)?.superclasses ?? null),
          })),
          studyRecords: summary.records,
          reviewed: summary.reviewed,
          classCodes: hidePredictions ? [] : summary.classCodes,
          referenceClasses: hideReference ? [] : studyReferenceClasses(db, studyId),
          importing: importingInto(ctx, studyId),
        };
      }),

    'records.worklistStep': ({ studyId, raterId, filter, shuffled, recordId, move }) =>
      asApiErrors(() => {
        const db = appStore(ctx);
        return { found: worklistStep(db, worklistQueryOf(db, studyId, raterId, filter, shuffled).query, recordId, move) };
      }),

    'records.reference': ({ recordId }) =>
      asApiErrors(() => {
        const db = appStore(ctx);
        const { studyId } = getRecordSummary(db, recordId);
        if (getBlinding(db, studyId).hideReference) return { reference: null, hidden: true };
        return { reference: getReference(db, recordId), hidden: false };
      }),

    'records.get': ({ recordId }) =>
      asApiErrors(() => {
        const r = getRecord(appStore(ctx), recordId);
        const signal = new Float32Array(r.leads.length * r.samplesPerLead);
        r.leads.forEach((lead, i) => signal.set(lead.mv, i * r.samplesPerLead));
        return {
          id: r.id,
          studyId: r.studyId,
          pseudonym: r.pseudonym,
          recordName: r.recordName,
          samplingRateHz: r.samplingRateHz,
          samplesPerLead: r.samplesPerLead,
          durationS: r.durationS,
          leads: r.leads.map((l) => l.name),
          signal: float32Payload(signal),
          age: r.clinical.age ?? null,
          sex: r.clinical.sex ?? null,
          warnings: r.warnings,
        };
      }),

    'records.run': ({ recordId }) =>
      asApiErrors(async () => {
        const db = appStore(ctx);
        getRecordSummary(db, recordId);
        const latest = getRun(db, recordId);
        if (!latest) return { run: null };
        const rc = await runContext(latest.id);
        const { run, maps } = rc;
        const size = run.leads.length * run.windows.samples;
        const all = new Float32Array(maps.attribution.length * size);
        maps.attribution.forEach((a, k) => all.set(a, k * size));
        return {
          run: {
            id: run.id,
            modelId: run.modelId,
            classes: run.classes.map((c) => ({
              code: c.code,
              name: c.name,
              logit: c.logit,
              probability: c.probability,
              bias: c.bias,
              leadContributions: c.leadContributions,
            })),
            topClass: run.topClass,
            completenessError: run.completenessError,
            provider: run.provider,
            mapRateHz: run.mapRateHz,
            mapSamples: run.windows.samples,
            leads: run.leads,
            attribution: float32Payload(all),
            mapsCheck: mapsCheckDto(maps.check, run.provider, rc.provider),
            regions: run.regions,
            warnings: run.warnings,
            createdAt: run.createdAt,
          },
        };
      }),

    'records.weights': ({ runId, classCode, window }) =>
      asApiErrors(async () => {
        const rc = await runContext(runId);
        const k = classIndexOf(rc.run, classCode);
        // the decisive window by default: the one whose W*x the overlay and the regions show
        const w = window ?? rc.run.classes[k]!.window;
        const pool = await appPool(ctx, rc.run.modelId);
        const { input } = rc.maps;
        const [out] = await pool.runWindows([input], { priority: true });
        return {
          runId,
          classCode,
          leads: [...input.leads],
          mapSamples: input.samples,
          mapRateHz: input.samplingRateHz,
          window: w,
          windowStart: input.windowStarts[w]!,
          weights: float32Payload(windowWeights(rc, out!.W, k, rc.run.classes.length, w)),
        };
      }),

    'records.whatIf': ({ runId, classCode, occlude }) =>
      asApiErrors(async () => {
        const rc = await runContext(runId);
        const k = classIndexOf(rc.run, classCode);
        const prediction = asPrediction(rc);
        const occlusions = occlusionsFor(prediction, rc.run, classCode, occlude);
        if (occlusions.length === 0) throw new ApiError('bad-request', `class ${classCode} has no evidence regions to remove`);
        const result = await (await appPool(ctx, rc.run.modelId)).whatIf(prediction, occlusions);
        const original = rc.run.classes[k]!;
        const after = result.classes[k]!;
        return {
          classCode,
          baseline: `z-scored model input set to ${WHAT_IF_BASELINE} in every window it overlaps (the lead's mean level in that window)`,
          occluded: occlusions.map((o) => ({ lead: o.lead, startSample: o.startSample, endSample: o.endSample })),
          original: { logit: original.logit, probability: original.probability },
          whatIf: { logit: after.logit, probability: after.probability },
        };
      }),

    'records.viewerSettings': () =>
      asApiErrors(() => {
        const stored = viewerSettings.partial().safeParse(getViewerSettings(appStore(ctx)) ?? {});
        return { ...DEFAULT_VIEWER_SETTINGS, ...(stored.success ? stored.data : {}) };
      }),

    'records.saveViewerSettings': (changes) =>
      asApiErrors(() => {
        const db = appStore(ctx);
        const stored = viewerSettings.partial().safeParse(getViewerSettings(db) ?? {});
        const next = viewerSettings.parse({ ...DEFAULT_VIEWER_SETTINGS, ...(stored.success ? stored.data : {}), ...changes });
        setViewerSettings(db, next);
        return next;
      }),
  };
}
