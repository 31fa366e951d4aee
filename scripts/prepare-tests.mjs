// The first step of `npm test` (pretest): what the tests need beyond `npm install`, prepared once and then
// only checked, so a second `npm test` starts testing within seconds.
// - Debian's Chromium for the end-to-end tests and PDF reports: installed with apt-get when it is missing and
//   this user may (root with apt-get), else a message naming CHROMIUM_PATH.
// - The Python reference implementations the tests compare against (wfdb, scikit-learn, statsmodels,
//   krippendorff, onnxruntime, pydicom, sierraecg) in a project-local virtual environment, .venv, rebuilt only when
//   the requirements files change (their hash is stamped in .venv). PYTHON names another interpreter to use as is.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REQUIREMENTS = ['tests/requirements.txt', 'tests/formats-hospital/requirements.txt'];
const venv = join(repoRoot, '.venv');
/** Also in tests/helpers/python.ts, which runs the references with it. */
const venvPython = process.platform === 'win32' ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python');
const stamp = join(venv, '.requirements-sha256');

function fail(message) {
  console.error(`npm test cannot start: ${message}`);
  process.exit(1);
}

function run(command, args, env = process.env) {
  const res = spawnSync(command, args, { stdio: 'inherit', env });
  return res.status === 0;
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

const mayApt = process.platform === 'linux' && process.getuid?.() === 0 && onPath('apt-get');

function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return run('apt-get', ['update', '-qq'], env) && run('apt-get', ['install', '-y', '-qq', ...packages], env);
}

function chromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return;
  if (process.env.CHROMIUM_PATH) fail(`CHROMIUM_PATH=${path} does not exist; point it at a Chromium or Chrome binary.`);
  if (!mayApt) {
    fail(
      `Chromium not found at ${path}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary.`,
    );
  }
  console.log(`Chromium not found at ${path}: installing Debian's chromium with apt-get (once).`);
  if (!aptInstall(['chromium']) || !existsSync(path)) {
    fail(`apt-get could not install chromium at ${path}; install Chromium yourself or set CHROMIUM_PATH to a Chromium or Chrome binary.`);
  }
}

function requirementsHash() {
  const hash = createHash('sha256');
  for (const file of REQUIREMENTS) hash.update(`${file}\n`).update(readFileSync(join(repoRoot, file)));
  return hash.digest('hex');
}

function pythonPackages() {
  if (process.env.PYTHON) return;
  const want = requirementsHash();
  if (existsSync(venvPython) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  const started = Date.now();
  console.log('Preparing .venv with the Python reference packages the tests compare against (once, a few minutes).');
  if (!existsSync(venvPython)) {
    const base = process.platform === 'win32' ? 'python' : 'python3';
    if (!onPath(base)) fail(`${base} not found: the tests run Python reference implementations; install Python 3.10 or newer.`);
    const create = () => run(base, ['-m', 'venv', '--clear', venv]);
    // Debian ships venv's pip bootstrap apart, in python3-venv
    if (!create() && !(mayApt && aptInstall(['python3-venv']) && create())) {
      fail(
        `${base} -m venv .venv failed (Debian: apt-get install python3-venv), or set PYTHON to an interpreter with ${REQUIREMENTS.join(' and ')} installed.`,
      );
    }
  }
  const requirements = REQUIREMENTS.flatMap((file) => ['-r', join(repoRoot, file)]);
  if (!run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...requirements])) {
    fail(`pip could not install ${REQUIREMENTS.join(' and ')} into .venv (see above); npm test retries.`);
  }
  writeFileSync(stamp, want);
  console.log(`.venv ready in ${Math.round((Date.now() - started) / 1000)} s.`);
}

chromium();
pythonPackages();
