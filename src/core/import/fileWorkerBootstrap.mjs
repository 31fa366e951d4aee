// Worker threads start as plain Node: register tsx's loader first so fileWorker.ts (and its .ts imports) load.
// An electron-vite build bundles fileWorker.ts as its own entry instead (see electron.vite.config.ts).
import { register } from 'tsx/esm/api';

register();
await import('./fileWorker.ts');
