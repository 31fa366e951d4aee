/** Runs the independent Python reference readers (pydicom, sierraecg); a missing reader fails the test with the install command. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const python = process.env.PYTHON ?? 'python3';

export function runPythonJson<T>(script: string, args: string[]): T {
  const r = spawnSync(python, [join(import.meta.dirname, script), ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    timeout: 60_000,
  });
  if (r.status !== 0) {
    throw new Error(`${script} failed (install the readers: pip install -r tests/formats-hospital/requirements.txt): ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as T;
}
