import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createRater,
  hashPassphrase,
  isProtected,
  openStore,
  passphraseHash,
  setPassphraseHash,
  StoreError,
  verifyPassphrase,
} from '../../src/core/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'ecg-passphrases-'));
process.env.ECG_AUDIT_KEYS = join(dir, 'keys');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rater passphrases', () => {
  it('hash with a fresh salt and verify only the same passphrase', async () => {
    const a = await hashPassphrase('correct horse battery');
    const b = await hashPassphrase('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('horse');
    expect(await verifyPassphrase(a, 'correct horse battery')).toBe(true);
    expect(await verifyPassphrase(b, 'correct horse battery')).toBe(true);
    expect(await verifyPassphrase(a, 'correct horse batterY')).toBe(false);
    expect(await verifyPassphrase(a, '')).toBe(false);
  });

  it('refuses a passphrase too short to protect anything', async () => {
    await expect(hashPassphrase('short')).rejects.toBeInstanceOf(StoreError);
  });

  it('keep only the hash in the database file', async () => {
    const path = join(dir, 'store.sqlite');
    const db = openStore(path);
    const rater = createRater(db, 'Dr Owner');
    expect(isProtected(db, rater.id)).toBe(false);
    setPassphraseHash(db, rater.id, await hashPassphrase('a passphrase nobody guesses'));
    expect(isProtected(db, rater.id)).toBe(true);
    expect(await verifyPassphrase(passphraseHash(db, rater.id)!, 'a passphrase nobody guesses')).toBe(true);
    db.close();
    expect(readFileSync(path).includes('a passphrase nobody guesses')).toBe(false);
  });
});
