import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserServer } from '../../src/server/browserServer.ts';
import { launchBrowserMode } from '../../src/server/launch.ts';
import { launchChromium } from '../helpers/chromium.ts';

describe('browser mode in Chromium', () => {
  let server: BrowserServer;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ecg-audit-e2e-'));
    server = await launchBrowserMode({ dbPath: join(dataDir, 'audit.sqlite') });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads the app, which answers through the real API', async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('statusbar').textContent()).toContain('browser mode');
    // The token leaves the address bar once read.
    expect(page.url()).not.toContain('token=');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('gives a bad request a clear error', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    const reply = await page.evaluate(async (token) => {
      const res = await fetch('/api/system.info', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ecg-audit-token': token },
        body: JSON.stringify({ unexpected: 1 }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    }, server.token);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('bad-request');
    expect(reply.body.error.message).toMatch(/invalid request for system\.info/);
    await page.close();
  });

  it('refuses an API call without the token', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/system.info', { method: 'POST', body: '{}' });
      return res.status;
    });
    expect(status).toBe(401);
    await page.close();
  });
});
