import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoPath } from './sharedData.ts';

/** The project's virtual environment that `npm test` prepares first (scripts/prepare-tests.mjs). */
const venvPython = repoPath('.venv', ...(process.platform === 'win32' ? ['Scripts', 'python.exe'] : ['bin', 'python']));

/** The interpreter for the tests' Python references: $PYTHON, else .venv, else python3 on the PATH. */
export const PYTHON = process.env.PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3');

/** What to tell a developer whose interpreter lacks a reference package. */
export const PREPARE_HINT = 'prepare .venv with: node scripts/prepare-tests.mjs (npm test runs it first)';

/**
 * Runs one of the tests/helpers Python scripts with a JSON request on stdin and returns its JSON reply.
 * A missing interpreter or package fails the calling test with the command that fixes it.
 */
export function runPythonJson<T>(script: string, request: unknown, packages: string, args: string[] = []): T {
  const res = spawnSync(PYTHON, [repoPath('tests', 'helpers', script), ...args], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  if (res.error) throw new Error(`cannot run ${PYTHON} for ${script}: ${res.error.message}`);
  if (res.status === 3) throw new Error(`${script}: ${res.stderr.trim()} (needs ${packages}); ${PREPARE_HINT}`);
  if (res.status !== 0) throw new Error(`${script} exited with ${res.status}: ${res.stderr.trim().slice(-2000)}`);
  return JSON.parse(res.stdout) as T;
}
