import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_MODEL_ID } from '../core/inference/modelFolder.ts';
import { listImportJobs, listStudies } from '../core/store/index.ts';
import type { AppContext } from './context.ts';
import type { AllHandlers } from './handlers.ts';
import { appStore } from './records.ts';

export const DEMO_STUDY = 'Demo';

/**
 * What the first start imports: the folder named by ECG_AUDIT_SAMPLES, else the demo study shipped in
 * resources/demo (15 PTB-XL and LUDB records, built by scripts/build-demo.mjs), so every machine opens on the
 * same real ECGs within seconds. Its record folders are imported, not the licences and tables beside them.
 */
export function demoInputs(repoRoot: string): string[] {
  const demo = join(repoRoot, 'resources', 'demo');
  const candidates = process.env.ECG_AUDIT_SAMPLES
    ? [resolve(process.env.ECG_AUDIT_SAMPLES)]
    : [join(demo, 'ptbxl', 'records500'), join(demo, 'ludb', 'data')];
  return candidates.filter((p) => existsSync(p));
}

export type DemoStart = { started: true; jobId: number; inputs: string[] } | { started: false; reason: string };

/**
 * Starts importing the demo study in the background when the database has never held a study or an import.
 * Where no samples are found the app opens empty and the Import page offers to import a folder.
 */
export async function startDemoStudyIfEmpty(ctx: AppContext, handlers: AllHandlers, repoRoot: string): Promise<DemoStart> {
  const db = appStore(ctx);
  if (listStudies(db).length > 0 || listImportJobs(db).length > 0) return { started: false, reason: 'the database already has studies' };
  const inputs = demoInputs(repoRoot);
  if (inputs.length === 0) return { started: false, reason: 'no sample ECGs found (set ECG_AUDIT_SAMPLES to a folder)' };
  if (!existsSync(join(ctx.modelsDir, DEFAULT_MODEL_ID, 'model.json'))) {
    return { started: false, reason: `the bundled model ${DEFAULT_MODEL_ID} is missing from ${ctx.modelsDir}` };
  }
  try {
    const task = await handlers['import.start']({ inputs, study: DEMO_STUDY, modelId: DEFAULT_MODEL_ID, keepIdentifiers: false });
    return { started: true, jobId: task.jobId, inputs };
  } catch (err) {
    return { started: false, reason: `the demo import could not start: ${err instanceof Error ? err.message : String(err)}` };
  }
}
