import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { backupStore, defaultDbPath, openStore, StoreError } from '../../core/store/index.ts';
import { CliError, printJson } from '../output.ts';

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('Copy the audit database with SQLite online backup (safe while the app is running)')
    .requiredOption('--out <file>', 'backup file to create (must not exist)')
    .option('--db <file>', 'audit database (default: $ECG_AUDIT_DB or the app data folder)')
    .option('--json', 'print one JSON object with the outcome')
    .action(async (opts: { out: string; db?: string; json?: boolean }) => {
      const dbPath = resolve(opts.db ?? defaultDbPath());
      const out = resolve(opts.out);
      if (existsSync(out)) throw new CliError(`${out}: already exists; choose a new backup file name`);
      let db;
      try {
        db = openStore(dbPath, { readonly: true });
      } catch (err) {
        if (err instanceof StoreError) throw new CliError(err.message);
        throw err;
      }
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
