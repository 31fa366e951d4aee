import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_COMPARE_SETTINGS } from '../../core/report/compare.ts';
import { ReportError } from '../../core/report/errors.ts';
import { startComparison } from '../../core/report/job.ts';
import { chromiumPdfRenderer } from '../../core/report/pdf.ts';
import { StoreError } from '../../core/store/index.ts';
import { CliError, printJson, ProgressBar } from '../output.ts';
import { DB_OPTION_HELP, openCliStore } from '../store.ts';

interface CompareOptions {
  db?: string;
  study?: string;
  model?: string;
  modelDir?: string;
  withDb?: string;
  withStudy?: string;
  withModel?: string;
  withModelDir?: string;
  out: string;
  faithfulness: boolean;
  pdf: boolean;
  bootstrap: string;
  seed: string;
  steps: string;
  maxRecords: string;
  json?: boolean;
}

function integer(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`, 2);
  return n;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'Compare two audits (two models on the same records, or two studies) side by side, with paired differences over the records both hold: compare.json, compare.html, compare.pdf',
    )
    .requiredOption('--out <dir>', 'folder to write the comparison files into (created if missing)')
    .option('--db <file>', `${DB_OPTION_HELP} (side A)`)
    .option('--study <name>', 'side A: study (default: the only study)')
    .option('--model <id>', "side A: model whose runs are compared (default: the study's model with the most runs)")
    .option('--model-dir <folder>', 'side A: model folder for the faithfulness re-runs (default: looked up by id)')
    .option('--with-db <file>', 'side B: database (default: the same as side A)')
    .option('--with-study <name>', 'side B: study (default: the same name as side A)')
    .option('--with-model <id>', 'side B: model')
    .option('--with-model-dir <folder>', 'side B: model folder')
    .option('--no-faithfulness', 'compare agreement figures only (no model re-runs)')
    .option('--no-pdf', 'do not print compare.pdf')
    .option('--bootstrap <n>', 'bootstrap resamples for the intervals', String(DEFAULT_COMPARE_SETTINGS.bootstrapResamples))
    .option('--seed <n>', 'seed of the bootstrap and the record sample', String(DEFAULT_COMPARE_SETTINGS.seed))
    .option('--steps <n>', 'deletion/insertion steps', String(DEFAULT_COMPARE_SETTINGS.deletionSteps))
    .option(
      '--max-records <n>',
      'shared records re-run for faithfulness, a seeded sample (0 = all)',
      String(DEFAULT_COMPARE_SETTINGS.faithfulnessMaxRecords),
    )
    .option('--json', 'print one JSON object: {"files", "sharedRecords", "differences"}')
    .action(async (opts: CompareOptions) => {
      const settings = {
        bootstrapResamples: integer('--bootstrap', opts.bootstrap, 0),
        seed: integer('--seed', opts.seed, 0),
        deletionSteps: integer('--steps', opts.steps, 1),
        faithfulnessMaxRecords: integer('--max-records', opts.maxRecords, 0),
      };
      const a = openCliStore(opts.db, { readonly: true });
      const sameDb = opts.withDb === undefined || resolve(opts.withDb) === a.dbPath;
      const b = sameDb ? a : openCliStore(opts.withDb, { readonly: true });
      let bar: ProgressBar | undefined;
      let lastPhase = '';
      const task = startComparison(
        { db: a.db, label: 'A', study: opts.study, modelId: opts.model, modelDir: opts.modelDir && resolve(opts.modelDir) },
        {
          db: b.db,
          label: 'B',
          study: opts.withStudy ?? opts.study,
          modelId: opts.withModel,
          modelDir: opts.withModelDir && resolve(opts.withModelDir),
        },
        {
          outDir: opts.out,
          faithfulness: opts.faithfulness,
          settings,
          pdf: opts.pdf ? chromiumPdfRenderer() : null,
          onProgress: (p) => {
            if (p.phase === 'faithfulness') {
              bar ??= new ProgressBar('faithfulness (shared records)');
              bar.update(p.recordsDone, p.recordsTotal);
            } else if (p.phase !== lastPhase && (p.phase === 'agreement' || p.phase === 'writing')) {
              process.stderr.write(p.phase === 'agreement' ? 'agreement statistics...\n' : 'writing the comparison files...\n');
            }
            lastPhase = p.phase;
          },
        },
      );
      // Ctrl-C stops the comparison before its files are written, so a cancelled one leaves none behind
      const onSigint = (): void => {
        process.stderr.write(
          task.cancel()
            ? '\ncancelling after the model runs in flight; no comparison files will be written\n'
            : '\ntoo late to cancel: the comparison files are being written\n',
        );
      };
      process.on('SIGINT', onSigint);
      try {
        const generated = await task.done;
        if (!generated) throw new CliError(`comparison cancelled; nothing was written to ${resolve(opts.out)}`, 130);
        const { files, comparison } = generated;
        if (opts.json) printJson({ files, sharedRecords: comparison.sharedRecords, differences: comparison.differences });
        else
          process.stdout.write(
            `Compared ${comparison.a.study} (${comparison.a.model?.id ?? 'no model'}) with ${comparison.b.study} (${comparison.b.model?.id ?? 'no model'}) on ${comparison.sharedRecords} shared records\n` +
              files.map((f) => `  ${f}\n`).join(''),
          );
      } catch (err) {
        if (err instanceof ReportError || err instanceof StoreError) throw new CliError(err.message);
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
        a.db.close();
        if (!sameDb) b.db.close();
      }
    });
}
