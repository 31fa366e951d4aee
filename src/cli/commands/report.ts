import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ReportError } from '../../core/report/errors.ts';
import { startReport } from '../../core/report/job.ts';
import { chromiumPdfRenderer } from '../../core/report/pdf.ts';
import { DEFAULT_SETTINGS } from '../../core/report/build.ts';
import { StoreError } from '../../core/store/index.ts';
import { CliError, printJson, ProgressBar } from '../output.ts';
import { DB_OPTION_HELP, openCliStore } from '../store.ts';

interface ReportOptions {
  db?: string;
  study?: string;
  out: string;
  json?: boolean;
  faithfulness: boolean;
  pdf: boolean;
  includeIdentifiers?: boolean;
  model?: string;
  modelDir?: string;
  bootstrap: string;
  seed: string;
  steps: string;
  maxRecords: string;
}

function integer(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`, 2);
  return n;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Write the agreement and faithfulness report of a study: report.json, labels.csv, metrics.csv, report.html, report.pdf')
    .requiredOption('--out <dir>', 'folder to write the report files into (created if missing)')
    .option('--db <file>', DB_OPTION_HELP)
    .option('--study <name>', 'study to report on (default: the only study)')
    .option('--model <id>', 'model whose runs are reported (default: the model with the most runs in the study)')
    .option('--model-dir <folder>', 'model folder for the faithfulness re-runs (default: looked up by id in the models folder)')
    .option('--no-faithfulness', 'skip the faithfulness metrics (no model re-runs)')
    .option('--no-pdf', 'do not print report.pdf')
    .option('--include-identifiers', 'include record names, source paths, kept identifiers, rater names and notes (left out by default)')
    .option('--bootstrap <n>', 'bootstrap resamples for agreement intervals', String(DEFAULT_SETTINGS.bootstrapResamples))
    .option('--seed <n>', 'seed of the bootstrap and of the random deletion order', String(DEFAULT_SETTINGS.seed))
    .option('--steps <n>', 'deletion/insertion steps', String(DEFAULT_SETTINGS.deletionSteps))
    .option(
      '--max-records <n>',
      'records in the faithfulness pass, a seeded sample (0 = all)',
      String(DEFAULT_SETTINGS.faithfulnessMaxRecords),
    )
    .option('--json', 'print one JSON object: {"files", "raters", "labels", "records"}')
    .action(async (opts: ReportOptions) => {
      const settings = {
        bootstrapResamples: integer('--bootstrap', opts.bootstrap, 0),
        seed: integer('--seed', opts.seed, 0),
        deletionSteps: integer('--steps', opts.steps, 1),
        faithfulnessMaxRecords: integer('--max-records', opts.maxRecords, 0),
        faithfulness: opts.faithfulness,
        includeIdentifiers: opts.includeIdentifiers ?? false,
      };
      const { db } = openCliStore(opts.db, { readonly: true });
      let bar: ProgressBar | undefined;
      let lastPhase = '';
      const task = startReport(db, {
        outDir: opts.out,
        study: opts.study,
        modelId: opts.model,
        modelDir: opts.modelDir ? resolve(opts.modelDir) : undefined,
        settings,
        pdf: opts.pdf ? chromiumPdfRenderer() : null,
        onProgress: (p) => {
          if (p.phase === 'faithfulness') {
            bar ??= new ProgressBar('faithfulness (records)');
            bar.update(p.recordsDone, p.recordsTotal);
          } else if (p.phase !== lastPhase && (p.phase === 'agreement' || p.phase === 'writing')) {
            process.stderr.write(p.phase === 'agreement' ? 'agreement statistics...\n' : 'writing the report files...\n');
          }
          lastPhase = p.phase;
        },
      });
      // Ctrl-C stops the report before its files are written, so a cancelled report leaves none behind
      const onSigint = (): void => {
        process.stderr.write(
          task.cancel()
            ? '\ncancelling after the model runs in flight; no report files will be written\n'
            : '\ntoo late to cancel: the report files are being written\n',
        );
      };
      process.on('SIGINT', onSigint);
      try {
        const generated = await task.done;
        if (!generated) throw new CliError(`report cancelled; nothing was written to ${resolve(opts.out)}`, 130);
        const { files, report } = generated;
        if (opts.json) {
          printJson({ files, raters: report.counts.raters, labels: report.counts.labels, records: report.counts.records });
        } else {
          process.stdout.write(
            `Report on study "${report.study.name}": ${report.counts.records} records, ${report.counts.raters} raters, ${report.counts.labels} labels\n` +
              files.map((f) => `  ${f}\n`).join(''),
          );
        }
      } catch (err) {
        if (err instanceof ReportError || err instanceof StoreError) throw new CliError(err.message);
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
        db.close();
      }
    });
}
