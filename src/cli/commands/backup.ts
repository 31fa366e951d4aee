import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { backupStore } from '../../core/store/index.ts';
import { CliError, printJson } from '../output.ts';
import { DB_OPTION_HELP, openCliStore } from '../store.ts';

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('Copy the audit database with SQLite online backup (safe while the app is running)')
    .requiredOption('--out <file>', 'backup file to create (must not exist)')
    .option('--db <file>', DB_OPTION_HELP)
    .option('--json', 'print one JSON object with the outcome')
    .action(async (opts: { out: string; db?: string; json?: boolean }) => {
      const out = resolve(opts.out);
      if (existsSync(out)) throw new CliError(`${out}: already exists; choose a new backup file name`);
      const { db, dbPath } = openCliStore(opts.db, { readonly: true });
      try {
        await backupStore(db, out);
      } catch (err) {
        throw new CliError(`${out}: backup failed (${(err as Error).message})`);
      } finally {
        db.close();
      }
      const bytes = statSync(out).size;
      if (opts.json) printJson({ db: dbPath, out, bytes });
      else process.stdout.write(`Backed up ${dbPath} to ${out} (${bytes} bytes)\n`);
    });
}
