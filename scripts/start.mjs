// `npm start`: build, then open the Electron window where its binary is installed, else serve browser mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--logLevel', 'warn']);

const electron = electronBinary();
const child = electron
  ? spawn(electron, ['.'], { stdio: 'inherit' })
  : (console.log('No Electron binary (see what npm install said about it): starting browser mode instead.'),
    spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], { stdio: 'inherit' }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
