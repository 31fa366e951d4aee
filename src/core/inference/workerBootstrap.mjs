// Worker threads start as plain Node: register tsx's loader first so worker.ts (and its .ts imports) load.
// An electron-vite build bundles worker.ts as its own entry instead and passes that file to the pool
// (InferencePool.open(..., { workerFile })), so this bootstrap is only for source runs (CLI, vitest, bench).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
