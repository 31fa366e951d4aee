import vue from '@vitejs/plugin-vue';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // .vue components render to HTML in Node (vue/server-renderer) in their tests
  plugins: [vue()],
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // Real data, real model runs and SQLite files: generous but bounded.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Raters' private keys (src/core/store/signing.ts) go to a scratch folder, not the user's data folder.
    env: { ECG_AUDIT_KEYS: join(tmpdir(), 'ecg-audit-test-rater-keys') },
  },
});
