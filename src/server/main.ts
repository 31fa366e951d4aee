import { closeOnSignals, launchBrowserMode } from './launch.ts';

const server = await launchBrowserMode({ port: process.env.ECG_AUDIT_PORT ? Number(process.env.ECG_AUDIT_PORT) : 0, demo: true });
process.stdout.write(`ECG-IMN Audit (browser mode) is running. Open:\n  ${server.url}\n`);
if (server.demo?.started) {
  process.stdout.write(`Importing the demo study from ${server.demo.inputs.join(', ')} (progress on the Import page).\n`);
} else if (server.demo) {
  process.stdout.write(`No demo import: ${server.demo.reason}.\n`);
}
closeOnSignals(server);
