import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The read-only real-data folder beside the repository (never copied into it). */
export function sharedDataDir(): string {
  const dir = process.env.ECG_AUDIT_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
  if (!existsSync(dir)) {
    throw new Error(`shared ECG data not found at ${dir}; set ECG_AUDIT_SHARED_DATA`);
  }
  return dir;
}

export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}
