// The last step of `npm install` (postinstall): fetch Electron's binary and say in one line what happened.
// package.json's allowScripts denies electron's own postinstall, whose failed download (offline machines,
// hospital networks) would fail the whole install; here a failed download leaves `npm start` on browser mode.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function installedPath() {
  try {
    return require('electron');
  } catch {
    return null;
  }
}

let installer;
try {
  installer = require.resolve('electron/install.js');
} catch {
  console.log('Electron is not installed (dev dependencies omitted): npm start will open the app in browser mode.');
  process.exit(0);
}
const { version } = require('electron/package.json');

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log(`Electron ${version}: binary download skipped (ELECTRON_SKIP_BINARY_DOWNLOAD); npm start will open the app in browser mode.`);
  process.exit(0);
}
// install.js returns at once when the binary is already there, else downloads it (about 100 MB)
const res = spawnSync(process.execPath, [installer], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
if (res.status === 0 && installedPath()) {
  console.log(`Electron ${version} is installed: npm start opens the desktop app.`);
} else {
  const reason = (res.error?.message ?? res.stderr.trim().split('\n')[0] ?? '').replace(/^\w*Error: /, '') || `exit code ${res.status}`;
  console.log(
    `Electron ${version}'s binary could not be downloaded (${reason}): npm start will open the app in browser mode; ` +
      '`node node_modules/electron/install.js` retries the download.',
  );
}
