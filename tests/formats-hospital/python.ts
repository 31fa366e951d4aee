/** Runs the independent Python reference readers (pydicom, sierraecg) when installed; tests skip without them. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const python = process.env.PYTHON ?? 'python3';

export function hasPythonModule(module: string): boolean {
  const r = spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8' });
  return r.status === 0;
}

export function runPythonJson<T>(script: string, args: string[]): T {
  const r = spawnSync(python, [join(import.meta.dirname, script), ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
