import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src/core/dataset/evaluate.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';

/** The bundled model card's fold-10 figures, re-measured through the app's own reader, preprocessing and
 * onnxruntime-node. Needs the full PTB-XL 100 Hz records (not in CI): set ECG_AUDIT_PTBXL_FULL to the
 * folder that holds records100/ (training/get_ptbxl_records.sh puts them there). */
const recordsRoot = process.env.ECG_AUDIT_PTBXL_FULL;
const labels = join(sharedDataDir(), 'ptbxl-full', 'ptbxl_database.csv');
const modelDir = repoPath('resources', 'models', 'ecg-imn-ptbxl-superdiag-100hz');

describe.skipIf(!recordsRoot)('the bundled model card, through the app (ECG_AUDIT_PTBXL_FULL)', () => {
  it('reproduces the fold-10 AUROC of every class and the macro within 0.002', async () => {
    expect(existsSync(join(recordsRoot!, 'records100'))).toBe(true);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        repoPath('bin', 'ecg-audit.mjs'),
        'evaluate',
        join(recordsRoot!, 'records100'),
        '--ptbxl-database',
        labels,
        '--folds',
        '10',
        '--bootstrap',
        '10',
        '--json',
      ],
      { maxBuffer: 256 * 2 ** 20 },
    );
    const app = JSON.parse(stdout) as Evaluation;
    const card = JSON.parse(readFileSync(join(modelDir, 'evaluation.json'), 'utf8')) as {
      n: number;
      auroc: { imn: { macro: { value: number }; perClass: Record<string, { value: number }> } };
    };
    expect(app.n).toBe(card.n);
    for (const [name, c] of Object.entries(card.auroc.imn.perClass))
      expect(Math.abs(app.classes[name]!.auroc.value! - c.value)).toBeLessThan(0.002);
    expect(Math.abs(app.macroAuroc.value! - card.auroc.imn.macro.value)).toBeLessThan(0.002);
  }, 900_000);
});

if (!recordsRoot) console.log('model card through the app: skipped (set ECG_AUDIT_PTBXL_FULL to the folder holding PTB-XL records100/)');
