import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** End-to-end: the real browser-mode server driven by Debian's Chromium. Runs after `npm run build`. */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    // expect.poll waits on a condition; its default 1 s bound, not the condition, failed tests on a loaded machine
    expect: { poll: { timeout: 60_000 } },
    // Raters' private keys (src/core/store/signing.ts) go to a scratch folder, not the user's data folder.
    env: { ECG_AUDIT_KEYS: join(tmpdir(), 'ecg-audit-test-rater-keys') },
  },
});
