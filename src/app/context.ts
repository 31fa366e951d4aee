import { join, resolve } from 'node:path';
import type { PdfRenderer } from '../core/report/pdf.ts';
import { defaultDbPath } from '../core/store/index.ts';

export type AppMode = 'electron' | 'browser';

/** Where the app keeps its data and finds its models; created once per launch by an adapter. */
export interface AppContext {
  mode: AppMode;
  dbPath: string;
  modelsDir: string;
  /** How report.pdf is printed: Electron brings printToPDF; elsewhere headless Chromium. */
  pdfRenderer?: PdfRenderer;
  /** The inference worker script; bundled builds name their own, source runs use the engine's default. */
  inferenceWorkerFile?: URL;
  /** The import's file worker script, likewise. */
  importFileWorkerFile?: URL;
}

export interface AppContextOptions {
  mode: AppMode;
  dbPath?: string;
  modelsDir?: string;
  pdfRenderer?: PdfRenderer;
  inferenceWorkerFile?: URL;
  importFileWorkerFile?: URL;
}

export function createAppContext(options: AppContextOptions, repoRoot: string): AppContext {
  return {
    mode: options.mode,
    dbPath: resolve(options.dbPath ?? defaultDbPath()),
    modelsDir: resolve(options.modelsDir ?? join(repoRoot, 'resources', 'models')),
    pdfRenderer: options.pdfRenderer,
    inferenceWorkerFile: options.inferenceWorkerFile,
    importFileWorkerFile: options.importFileWorkerFile,
  };
}
