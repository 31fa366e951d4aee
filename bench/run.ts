import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchResult, BenchSkipped, repoRoot, updateReadmeTable, writeResult } from './harness.ts';

/** Runs every bench/<name>.bench.ts (or those named on the command line), then refreshes the README table. */
async function main(): Promise<void> {
  const wanted = new Set(process.argv.slice(2));
  const dir = join(repoRoot, 'bench');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => wanted.size === 0 || wanted.has(f.replace(/\.bench\.ts$/, '')))
    .sort();
  if (files.length === 0) throw new Error(`no benchmark matches ${[...wanted].join(', ')}`);
  for (const file of files) {
    process.stderr.write(`bench: ${file}\n`);
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: () => Promise<BenchResult> };
    let result: BenchResult;
    try {
      result = await mod.default();
    } catch (err) {
      if (!(err instanceof BenchSkipped)) throw err;
      process.stderr.write(`bench: ${file} skipped: ${err.message}\n`);
      continue;
    }
    process.stderr.write(`bench: wrote ${writeResult(result)}\n`);
  }
  const resultsDir = join(dir, 'results');
  const stored = readdirSync(resultsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')));
  updateReadmeTable(stored);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
