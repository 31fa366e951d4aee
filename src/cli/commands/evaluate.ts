/** `evaluate PATH...`: the model against the reference diagnoses of PTB-XL, CinC and LUDB records. */
import type { Command } from 'commander';
import type { Estimate } from '../../core/audit/classification.ts';
import { evaluateFiles, type Evaluation } from '../../core/dataset/evaluate.ts';
import { ReferenceError } from '../../core/dataset/reference.ts';
import { PREDICTED_THRESHOLD } from '../../core/store/viewerQueries.ts';
import { discoverCliInputs, openDatasetModel } from '../dataset.ts';
import { CliError, printJson, ProgressBar } from '../output.ts';

interface EvaluateCliOptions {
  model?: string;
  json?: boolean;
  ptbxlDatabase?: string;
  folds?: string;
  bootstrap: string;
  seed: string;
  perRecord?: boolean;
}

function integers(text: string, what: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v))) throw new CliError(`${what} must be integers separated by commas, not "${text}"`, 2);
  return values;
}

const fmt = (v: number | null, digits = 3): string => (v === null ? '-' : v.toFixed(digits));
const estimate = (e: Estimate): string => `${fmt(e.value)} ${e.ci95 ? `(${fmt(e.ci95[0])}-${fmt(e.ci95[1])})` : ''}`;

function printTable(e: Evaluation): void {
  const out = [
    `model ${e.model}: ${e.n} records (PTB-XL ${e.sources['ptb-xl']}, CinC ${e.sources.cinc}, LUDB ${e.sources.ludb})` +
      (e.folds ? `, PTB-XL folds ${e.folds.join(',')}` : ''),
    `bootstrap: ${e.bootstrap.replicates} resamples, seed ${e.bootstrap.seed}; threshold ${e.threshold}`,
    '',
    'class      n  pos  AUROC (95% CI)         AUPRC (95% CI)         Brier  sens   spec',
  ];
  for (const [name, c] of Object.entries(e.classes)) {
    out.push(
      `${name.padEnd(6)} ${String(c.n).padStart(5)} ${String(c.positives).padStart(4)}  ${estimate(c.auroc).padEnd(22)} ` +
        `${estimate(c.auprc).padEnd(22)} ${fmt(c.brier)}  ${fmt(c.sensitivity, 2).padEnd(5)}  ${fmt(c.specificity, 2)}`,
    );
  }
  out.push(`macro AUROC ${estimate(e.macroAuroc)} over ${e.macroAuroc.classes} classes`);
  if (e.excludedByFolds) out.push(`${e.excludedByFolds} PTB-XL records outside the selected folds`);
  if (e.skipped.length) {
    const reasons = new Map<string, number>();
    for (const s of e.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
    out.push(`${e.skipped.length} records skipped (--json lists them):`);
    for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10)) out.push(`  ${count} x ${reason}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('Run the model on every record with a reference diagnosis (PTB-XL, CinC #Dx, LUDB) and compare with it')
    .argument('<paths...>', 'files and folders (searched recursively)')
    .option('--model <id|path>', 'model id under the models folder, or a model folder path')
    .option(
      '--ptbxl-database <file>',
      'PTB-XL ptbxl_database.csv (scp_statements.csv beside it); default: found beside or above the records',
    )
    .option('--folds <list>', 'PTB-XL strat_folds to evaluate, e.g. 10 or 9,10 (other sources are then skipped)')
    .option('--bootstrap <n>', 'bootstrap resamples for the 95% CIs', '1000')
    .option('--seed <n>', 'seed of the bootstrap resamples', '0')
    .option('--per-record', 'with --json: add every record with its labels and probabilities')
    .option('--json', 'print one JSON object')
    .action(async (paths: string[], opts: EvaluateCliOptions) => {
      const folds = opts.folds !== undefined ? integers(opts.folds, '--folds') : undefined;
      const [replicates] = integers(opts.bootstrap, '--bootstrap');
      const [seed] = integers(opts.seed, '--seed');
      if (!(replicates! >= 0)) throw new CliError('--bootstrap must be 0 or more', 2);
      const inputs = await discoverCliInputs(paths);
      const { folder, pool } = await openDatasetModel(opts.model);
      const bar = new ProgressBar('evaluate');
      try {
        const evaluation = await evaluateFiles(inputs.items, {
          manifest: folder.manifest,
          predictBatch: (records) => pool.predictBatch(records),
          threshold: PREDICTED_THRESHOLD,
          ptbxlDatabase: opts.ptbxlDatabase,
          folds,
          replicates,
          seed,
          onProgress: (done, total) => bar.update(done, total),
        });
        if (opts.json) printJson(opts.perRecord ? evaluation : { ...evaluation, records: undefined });
        else printTable(evaluation);
      } catch (err) {
        if (err instanceof ReferenceError) throw new CliError(err.message);
        throw err;
      } finally {
        await pool.close();
      }
    });
}
