import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export type AppMode = 'electron' | 'browser';

/** Where the app keeps its data and finds its models; created once per launch by an adapter. */
export interface AppContext {
  mode: AppMode;
  dbPath: string;
  modelsDir: string;
}

export interface AppContextOptions {
  mode: AppMode;
  dbPath?: string;
  modelsDir?: string;
}

/** The per-user data folder, following each platform's convention, without asking Electron. */
export function userDataDir(): string {
  if (process.env.ECG_AUDIT_DATA_DIR) return resolve(process.env.ECG_AUDIT_DATA_DIR);
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'ECG-IMN Audit');
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'ECG-IMN Audit');
  return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'ecg-imn-audit');
}

export function createAppContext(options: AppContextOptions, repoRoot: string): AppContext {
  return {
    mode: options.mode,
    dbPath: resolve(options.dbPath ?? process.env.ECG_AUDIT_DB ?? join(userDataDir(), 'audit.sqlite')),
    modelsDir: resolve(options.modelsDir ?? join(repoRoot, 'resources', 'models')),
  };
}
