import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, createHandlers, dispatch } from '../../src/app/index.ts';
import { type BrowserServer, startBrowserServer } from '../../src/server/browserServer.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('browser-mode HTTP server', () => {
  let dir: string;
  let server: BrowserServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ecg-audit-server-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(dir, 'secret.txt'), 'outside?');
    const ctx = createAppContext({ mode: 'browser', dbPath: join(dir, 'db.sqlite') }, dir);
    const handlers = createHandlers(ctx);
    server = await startBrowserServer({ rendererDir: join(dir), dispatch: (m, r) => dispatch(handlers, m, r) });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const host = (): Record<string, string> => ({ host: `127.0.0.1:${server.port}` });
  const auth = (): Record<string, string> => ({ ...host(), 'x-ecg-audit-token': server.token, 'content-type': 'application/json' });

  it('listens on loopback with a token in the URL fragment', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,}$/);
  });

  it('answers a valid call and sends a strict CSP', async () => {
    const reply = await send(server.port, '/api/system.info', { method: 'POST', headers: auth(), body: '{}' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: true, value: { mode: 'browser' } });
    expect(reply.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('refuses a missing or wrong token', async () => {
    const none = await send(server.port, '/api/system.info', { method: 'POST', headers: host(), body: '{}' });
    expect(none.status).toBe(401);
    const wrong = await send(server.port, '/api/system.info', {
      method: 'POST',
      headers: { ...auth(), 'x-ecg-audit-token': 'x'.repeat(32) },
      body: '{}',
    });
    expect(wrong.status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    const rebound = await send(server.port, '/', { headers: { host: 'evil.example:80' } });
    expect(rebound.status).toBe(421);
    const crossSite = await send(server.port, '/api/system.info', {
      method: 'POST',
      headers: { ...auth(), origin: 'http://evil.example' },
      body: '{}',
    });
    expect(crossSite.status).toBe(403);
  });

  it('rejects unknown methods, invalid requests and unreadable bodies with clear errors', async () => {
    const unknown = await send(server.port, '/api/system.nuke', { method: 'POST', headers: auth(), body: '{}' });
    expect(JSON.parse(unknown.body).error).toEqual({ code: 'bad-request', message: 'unknown API method "system.nuke"' });
    const invalid = await send(server.port, '/api/system.info', { method: 'POST', headers: auth(), body: '{"x":1}' });
    expect(invalid.status).toBe(400);
    const garbage = await send(server.port, '/api/system.info', { method: 'POST', headers: auth(), body: '{not json' });
    expect(JSON.parse(garbage.body).error.message).toMatch(/unreadable request body/);
  });

  it('serves the renderer but never a path outside it', async () => {
    expect((await send(server.port, '/', { headers: host() })).status).toBe(200);
    const escape = await send(server.port, '/..%2f..%2fetc%2fpasswd', { headers: host() });
    expect([403, 404]).toContain(escape.status);
  });

  it('answers a malformed %-escape with 400, in a static path and in an API method', async () => {
    for (const path of ['/assets/%E0%A4%A.js', '/%']) {
      const reply = await send(server.port, path, { headers: host() });
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.body).error).toEqual({ code: 'bad-request', message: 'malformed %-escape in the path' });
    }
    const api = await send(server.port, '/api/system.%zz', { method: 'POST', headers: auth(), body: '{}' });
    expect(api.status).toBe(400);
    expect(JSON.parse(api.body).error.code).toBe('bad-request');
  });
});
