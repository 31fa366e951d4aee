import { launchBrowserMode } from './launch.ts';

const server = await launchBrowserMode({ port: process.env.ECG_AUDIT_PORT ? Number(process.env.ECG_AUDIT_PORT) : 0 });
process.stdout.write(`ECG-IMN Audit (browser mode) is running. Open:\n  ${server.url}\n`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
