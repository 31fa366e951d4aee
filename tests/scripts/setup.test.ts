import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../helpers/sharedData.ts';

function node(script: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [repoPath('scripts', script)], { encoding: 'utf8', env: { ...process.env, ...env } });
}

/** Every installed package, with the lifecycle scripts npm runs when installing it. */
function installedPackages(dir = repoPath('node_modules')): { name: string; scripts: Record<string, string> }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.name.startsWith('@')) return installedPackages(path);
      const pkg = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
      let nested: { name: string; scripts: Record<string, string> }[] = [];
      try {
        nested = installedPackages(join(path, 'node_modules'));
      } catch {
        // no nested node_modules
      }
      return [{ name: pkg.name as string, scripts: (pkg.scripts ?? {}) as Record<string, string> }, ...nested];
    });
}

describe('npm install', () => {
  const manifest = JSON.parse(readFileSync(repoPath('package.json'), 'utf8'));

  it('decides every dependency install script in allowScripts, and runs electron download itself', () => {
    const withScripts = installedPackages()
      .filter((p) => ['preinstall', 'install', 'postinstall'].some((s) => s in p.scripts))
      .map((p) => p.name);
    expect([...new Set(withScripts)].sort()).toEqual(Object.keys(manifest.allowScripts).sort());
    expect(manifest.allowScripts.electron).toBe(false);
    expect(manifest.scripts.postinstall).toBe('node scripts/electron-binary.mjs');
  });

  it('says in one line that the Electron binary was skipped, and succeeds', () => {
    const res = node('electron-binary.mjs', { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(res.status).toBe(0);
    expect(res.stdout.trim().split('\n')).toEqual([expect.stringMatching(/binary download skipped .* browser mode/)]);
  });
});

describe('npm test preparation', () => {
  it('stops with a message naming CHROMIUM_PATH when the Chromium it names is missing', () => {
    const res = node('prepare-tests.mjs', { CHROMIUM_PATH: repoPath('no-such-chromium') });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`CHROMIUM_PATH=${repoPath('no-such-chromium')} does not exist`);
  });
});
