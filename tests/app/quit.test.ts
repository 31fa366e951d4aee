/**
 * Quitting browser mode (Ctrl-C or a service stop) closes the database: an ordinary database leaves no `-wal`
 * beside it, and a package opened as the database is one self-contained file holding every label.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStudyPackage, readPackageLabels } from '../../src/core/package/index.ts';
import { repoPath } from '../helpers/sharedData.ts';
import { buildResearcherDb, STUDY, withDb } from '../package/fixture.ts';

let dir: string;
let researcherDb: string;
let studyPackage: string;

/** The real browser-mode launch and signal handling, in a child process on `dbPath`. */
function startServer(dbPath: string): Promise<{ child: ChildProcess; port: number; token: string }> {
  const script = `
    import { register } from 'tsx/esm/api';
    register();
    const { closeOnSignals, launchBrowserMode } = await import(${JSON.stringify(repoPath('src/server/launch.ts'))});
    const server = await launchBrowserMode({ dbPath: process.env.DB, rendererDir: process.env.RENDERER });
    closeOnSignals(server);
    process.stdout.write(JSON.stringify({ port: server.port, token: server.token }) + '\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoPath('.'),
    env: { ...process.env, DB: dbPath, RENDERER: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, ...(JSON.parse(out.split('\n')[0]!) as { port: number; token: string }) });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

async function call(server: { port: number; token: string }, method: string, body: unknown, session = ''): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'x-ecg-audit-token': server.token, 'content-type': 'application/json', 'x-ecg-audit-session': session },
    body: JSON.stringify(body),
  });
  const envelope = (await res.json()) as { ok: boolean; value?: unknown; error?: unknown };
  if (!envelope.ok) throw new Error(`${method}: ${JSON.stringify(envelope.error)}`);
  return envelope.value;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill(signal);
  return exited;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-audit-quit-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  researcherDb = join(dir, 'researcher.sqlite');
  await buildResearcherDb(researcherDb, 2);
  studyPackage = join(dir, 'study.ecgaudit');
  withDb(researcherDb, (db) => exportStudyPackage(db, researcherDb, { studyName: STUDY, out: studyPackage }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('quitting browser mode', () => {
  it('closes an ordinary database on SIGTERM: no -wal is left beside it', async () => {
    const db = join(dir, 'own.sqlite');
    copyFileSync(researcherDb, db);
    const server = await startServer(db);
    await call(server, 'labels.createRater', { displayName: 'Dr. Quit' });
    expect(existsSync(`${db}-wal`)).toBe(true);
    expect(await stop(server.child, 'SIGTERM')).toBe(0);
    expect(existsSync(`${db}-wal`)).toBe(false);
  });

  it('keeps a package opened as the database a single file holding every label, on SIGINT', async () => {
    const pkg = join(dir, 'rater.ecgaudit');
    copyFileSync(studyPackage, pkg);
    const server = await startServer(pkg);
    const rater = (await call(server, 'labels.createRater', { displayName: 'Dr. Single' })) as { id: string };
    // the package's study is blinded: labelling in it needs the rater's name protected
    const { session } = (await call(server, 'labels.setPassphrase', { raterId: rater.id, passphrase: 'single passphrase' })) as {
      session: string;
    };
    const studies = (await call(server, 'records.studies', {})) as { id: number }[];
    const worklist = (
      (await call(server, 'records.worklist', { studyId: studies[0]!.id, raterId: rater.id }, session)) as {
        items: { recordId: number }[];
      }
    ).items;
    for (const w of worklist) {
      await call(
        server,
        'labels.append',
        { raterId: rater.id, target: { kind: 'plausible', recordId: w.recordId }, value: 'yes' },
        session,
      );
    }
    // committed labels are in the file itself while the app still runs: nothing to lose in a crash
    expect(existsSync(`${pkg}-wal`)).toBe(false);
    expect(await stop(server.child, 'SIGINT')).toBe(0);
    expect(['-wal', '-journal', '-shm'].filter((s) => existsSync(pkg + s))).toEqual([]);
    expect(readPackageLabels(pkg).labels).toHaveLength(worklist.length);
  });
});
