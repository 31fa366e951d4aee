import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { defaultModelDir, DEFAULT_MODEL_ID } from '../../src/core/inference/modelFolder.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { tinyModelDir } from '../signal/preprocessingFixtures.ts';

const ptbxl = join(sharedDataDir(), 'ptbxl');
const headers = (folder: string, n: number): string[] =>
  readdirSync(join(ptbxl, folder, '00000'))
    .filter((f) => f.endsWith('.hea'))
    .sort()
    .slice(0, n)
    .map((f) => join(ptbxl, folder, '00000', f));

const realModelDir = join(defaultModelDir(), DEFAULT_MODEL_ID);
const models = [
  { name: 'tiny-imn', dir: tinyModelDir },
  // the trained model ships in resources/models once training has produced it
  ...(existsSync(join(realModelDir, 'model.json')) ? [{ name: DEFAULT_MODEL_ID, dir: realModelDir }] : []),
];
const engines: InferenceEngine[] = [];
afterAll(async () => Promise.all(engines.map((e) => e.close())));

describe.each(models)('completeness on real PTB-XL records ($name)', ({ dir }) => {
  it('logit = sum(W*x) + b to 1e-3 at 100 Hz and 500 Hz sources', async () => {
    const engine = await InferenceEngine.open(dir, { providers: ['cpu'] });
    engines.push(engine);
    const files = [...headers('records100', 15), ...headers('records500', 15)];
    for (const file of files) {
      const record = await readEcgFile(file);
      const p = await engine.predict(record);
      expect(p.completenessMaxAbsError, file).toBeLessThanOrEqual(1e-3);
      expect(p.warnings, file).toEqual([]);
      expect(p.samples).toBe(1000);
      for (const c of p.classes) {
        expect(c.probability).toBeGreaterThanOrEqual(0);
        expect(c.probability).toBeLessThanOrEqual(1);
        const leadSum = Object.values(c.leadContributions).reduce((a, b) => a + b, 0);
        expect(Math.abs(leadSum + c.bias - c.logit), file).toBeLessThanOrEqual(1e-3);
      }
      expect(p.regions.length).toBeGreaterThan(0);
    }
  });
});
