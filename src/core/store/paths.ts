import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The database the app and the CLI use when none is named: $ECG_AUDIT_DB, else audit.sqlite in the per-user
 * data folder ($ECG_AUDIT_DATA_DIR or the platform's convention). Kept free of Electron so the CLI can use it.
 */
export function defaultDbPath(): string {
  if (process.env.ECG_AUDIT_DB) return resolve(process.env.ECG_AUDIT_DB);
  return join(userDataDir(), 'audit.sqlite');
}

/** The per-user data folder: the default database, reports and rater keys live here. */
export function userDataDir(): string {
  if (process.env.ECG_AUDIT_DATA_DIR) return resolve(process.env.ECG_AUDIT_DATA_DIR);
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'ECG-IMN Audit');
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'ECG-IMN Audit');
  return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'ecg-imn-audit');
}
