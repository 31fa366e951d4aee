import { resolve } from 'node:path';
import { type Db, defaultDbPath, openStore, StoreError } from '../core/store/index.ts';
import { CliError } from './output.ts';

/** Help text of the --db option every database command takes. */
export const DB_OPTION_HELP = 'audit database (default: $ECG_AUDIT_DB or the app data folder)';

/** The database --db names (else the default one), opened; a store refusal becomes a one-line CLI error. */
export function openCliStore(dbOption: string | undefined, options: { readonly: boolean }): { db: Db; dbPath: string } {
  const dbPath = resolve(dbOption ?? defaultDbPath());
  try {
    return { db: openStore(dbPath, options), dbPath };
  } catch (err) {
    if (err instanceof StoreError) throw new CliError(err.message);
    throw err;
  }
}
