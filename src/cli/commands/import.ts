import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { errorReportCsv, ImportInputError, problemsCsv, startImport, type ImportModel } from '../../core/import/index.ts';
import { DEFAULT_MODEL_ID, loadModelFolder, resolveModelDir } from '../../core/inference/modelFolder.ts';
import { InferencePool } from '../../core/inference/pool.ts';
import { StoreError } from '../../core/store/index.ts';
import { CliError, printJson, ProgressBar } from '../output.ts';
import { DB_OPTION_HELP, openCliStore } from '../store.ts';

interface ImportOptions {
  db?: string;
  study?: string;
  model?: string;
  json?: boolean;
  keepIdentifiers?: boolean;
  errors?: string;
  ptbxlDatabase?: string;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Import ECG files and folders into a study: read, run the model, store; resumes an interrupted import')
    .argument('<paths...>', 'files and folders (searched recursively)')
    .option('--db <file>', DB_OPTION_HELP)
    .option('--study <name>', 'study to import into (default: the first folder or file name)')
    .option(
      '--model <id>',
      `model id in the models folder, or a model folder path (default: ${DEFAULT_MODEL_ID}, else the only installed model)`,
    )
    .option('--keep-identifiers', 'keep patient names, ids and birth dates (dropped by default)')
    .option('--errors <file>', 'write the files that were skipped or failed, with the problem, as CSV')
    .option(
      '--ptbxl-database <file>',
      'PTB-XL ptbxl_database.csv for the reference diagnoses (scp_statements.csv beside it); default: found beside or above the records',
    )
    .option('--json', 'print one JSON object with the outcome')
    .action(async (paths: string[], opts: ImportOptions) => {
      const study = opts.study ?? basename(resolve(paths[0]!));
      let folder;
      try {
        folder = loadModelFolder(resolveModelDir(opts.model));
      } catch (err) {
        throw new CliError(`cannot load the model: ${(err as Error).message}`);
      }
      const { db, dbPath } = openCliStore(opts.db, { readonly: false });
      let pool: InferencePool | undefined;
      try {
        try {
          pool = await InferencePool.open(folder.dir);
        } catch (err) {
          throw new CliError(`cannot start the model: ${(err as Error).message}`);
        }
        const running = pool;
        const model: ImportModel = {
          manifest: folder.manifest,
          predictBatch: (records, options) => running.predictBatch(records, options),
        };
        const bar = new ProgressBar('import');
        const task = startImport(db, {
          inputs: paths,
          study,
          keepIdentifiers: opts.keepIdentifiers ?? false,
          ptbxlDatabase: opts.ptbxlDatabase,
          model,
          onProgress: (p) => {
            if (p.phase === 'importing' || p.phase === 'completed')
              bar.update(p.filesDone, p.filesTotal, `${p.imported} imported, ${p.failed} failed`);
          },
        });
        // First Ctrl-C stops cleanly after the records in flight; running the same command again resumes.
        const onSigint = (): void => {
          process.stderr.write('\nstopping after the records in flight; run the same command again to resume\n');
          task.cancel();
        };
        process.once('SIGINT', onSigint);
        let summary;
        try {
          summary = await task.done;
        } catch (err) {
          if (err instanceof ImportInputError || err instanceof StoreError) throw new CliError(err.message);
          throw err;
        } finally {
          process.off('SIGINT', onSigint);
        }
        const nothing = summary.nothingImported;
        // an import that found nothing took its job back with its study: its report is in the summary
        const report = nothing?.studyRemoved ? problemsCsv(nothing.problems) : errorReportCsv(db, summary.jobId);
        if (opts.errors) writeFileSync(resolve(opts.errors), report);
        if (opts.json) {
          printJson({
            imported: summary.imported,
            duplicates: summary.duplicates,
            skipped: summary.skipped,
            failed: summary.failed,
            db: dbPath,
            study: summary.study,
            jobId: summary.jobId,
            status: summary.status,
            resumed: summary.resumed,
            nothingImported: nothing ? { message: nothing.message, studyRemoved: nothing.studyRemoved } : null,
          });
        } else {
          const lines = [
            nothing
              ? nothing.message
              : `${summary.status === 'completed' ? 'Imported' : 'Stopped (resume by running the same command):'} study "${summary.study}" in ${dbPath}`,
            `  ${summary.imported} records imported, ${summary.duplicates} duplicates, ${summary.skipped} files skipped, ${summary.failed.length} failed` +
              (summary.resumed ? ' (resumed job)' : ''),
            ...summary.failed.slice(0, 20).map((f) => `  failed: ${f.error}`),
          ];
          if (summary.failed.length > 20) lines.push(`  ... and ${summary.failed.length - 20} more (use --errors FILE)`);
          process.stdout.write(lines.join('\n') + '\n');
        }
        if (summary.status === 'cancelled') process.exitCode = 130;
        else if (nothing) process.exitCode = 1;
      } finally {
        await pool?.close();
        db.close();
      }
    });
}
