/** Runs the independent Python reference readers (pydicom, sierraecg); a missing reader fails the test with the install command. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PREPARE_HINT, PYTHON } from '../helpers/python.ts';

export function runPythonJson<T>(script: string, args: string[]): T {
  const r = spawnSync(PYTHON, [join(import.meta.dirname, script), ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    timeout: 60_000,
  });
  if (r.status !== 0) {
    throw new Error(`${script} failed with ${PYTHON} (needs tests/formats-hospital/requirements.txt; ${PREPARE_HINT}): ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as T;
}
