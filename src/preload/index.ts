import { contextBridge, ipcRenderer, webUtils } from 'electron';

/**
 * The only bridge between the sandboxed renderer and the main process: one generic call, validated in main
 * against the shared contract. The channel name is repeated in src/main because this file may import nothing
 * but electron (sandboxed preloads cannot load other modules).
 */
contextBridge.exposeInMainWorld('ecgAudit', {
  // session: the signed-in rater's token (labels.signIn), checked in main for calls that name a protected rater
  call: (method: string, request: unknown, session?: string) => ipcRenderer.invoke('ecg-audit:call', method, request, session),
  // Dropped files and folders: the sandboxed page sees File objects only; their paths go to main as plain strings.
  pathForFile: (file: File) => webUtils.getPathForFile(file),
});
