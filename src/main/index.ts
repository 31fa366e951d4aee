import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import { startDemoStudyIfEmpty } from '../app/demoStudy.ts';
import { closeApp, createAppContext, createHandlers, dispatch, warmModelPools } from '../app/index.ts';
import { contentSecurityPolicy } from '../shared/security.ts';

const IPC_CHANNEL = 'ecg-audit:call';

/**
 * report.pdf through Electron's own printer: the self-contained page is loaded from a temporary file (reports
 * with many plots outgrow data: URLs) into a hidden, script-free window; remote requests are cancelled below.
 */
async function electronPdfRenderer(html: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'ecg-audit-pdf-'));
  const page = join(dir, 'report.html');
  const printer = new BrowserWindow({ show: false, webPreferences: { sandbox: true, contextIsolation: true, javascript: false } });
  try {
    await writeFile(page, html);
    await printer.loadFile(page);
    return await printer.webContents.printToPDF({ pageSize: 'A4', printBackground: true });
  } finally {
    printer.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'ECG-IMN Audit',
    webPreferences: {
      preload: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  void window.loadFile(fileURLToPath(new URL('../renderer/index.html', import.meta.url)));
  return window;
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });
  session.defaultSession.webRequest.onBeforeRequest(
    { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] },
    (_details, callback) => callback({ cancel: true }),
  );
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  const ctx = createAppContext(
    {
      mode: 'electron',
      pdfRenderer: electronPdfRenderer,
      inferenceWorkerFile: new URL('./inferenceWorker.js', import.meta.url),
      importFileWorkerFile: new URL('./importFileWorker.js', import.meta.url),
      modelsDir: app.isPackaged ? join(process.resourcesPath, 'models') : undefined,
    },
    app.getAppPath(),
  );
  const handlers = createHandlers(ctx);
  // the database closes synchronously here, before the process ends; the worker threads end with it anyway
  app.on('will-quit', () => void closeApp(ctx));
  ipcMain.handle(IPC_CHANNEL, (event, method: unknown, request: unknown, session: unknown) => {
    if (!event.senderFrame?.url.startsWith('file://')) {
      return { ok: false, error: { code: 'unauthorized', message: 'IPC from an unexpected frame' } };
    }
    return dispatch(handlers, method, request, { session: typeof session === 'string' && session ? session : undefined });
  });

  createWindow();
  void startDemoStudyIfEmpty(ctx, handlers, app.getAppPath()).catch((err: unknown) => console.error('demo import failed:', err));
  warmModelPools(ctx);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
