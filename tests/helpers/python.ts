import { spawnSync } from 'node:child_process';
import { repoPath } from './sharedData.ts';

const PYTHON = process.env.PYTHON ?? 'python3';

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
  if (res.status === 3) {
    throw new Error(`${script}: ${res.stderr.trim()}; install with: flock /tmp/pip.lock pip install ${packages}`);
  }
  if (res.status !== 0) throw new Error(`${script} exited with ${res.status}: ${res.stderr.trim().slice(-2000)}`);
  return JSON.parse(res.stdout) as T;
}
