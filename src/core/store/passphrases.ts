/**
 * Rater passphrases: a rater may protect their name so that nobody else at the same computer can act as them
 * (read their labels, own a blinded study). Only a salted scrypt hash is stored, in the settings table under
 * `rater.<id>.passphrase`, never the passphrase; the hash names its own parameters so they can be raised later.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { MIN_PASSPHRASE_CHARS } from '../../shared/api/labels.ts';
import type { Db } from './db.ts';
import { StoreError } from './errors.ts';
import { getSetting, setSetting } from './settings.ts';

/** scrypt cost (N = 2^15, r = 8, p = 1): about 0.1 s per try on a laptop, which also slows guessing. */
const COST = { N: 1 << 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

const passphraseKey = (raterId: string): string => `rater.${raterId}.passphrase`;

function derive(passphrase: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem: scrypt needs 128 * N * r bytes, which the default limit (32 MiB) does not leave room for
    scrypt(passphrase.normalize('NFC'), salt, KEY_BYTES, { ...cost, maxmem: 256 * cost.N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (salt and hash in base64). */
export async function hashPassphrase(passphrase: string): Promise<string> {
  if (passphrase.length < MIN_PASSPHRASE_CHARS) {
    throw new StoreError('invalid', `a passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters`);
  }
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(passphrase, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassphrase(stored: string, passphrase: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) throw new StoreError('invalid', 'stored passphrase hash is not an scrypt hash');
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(passphrase, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The rater's stored hash, or null where their name is not protected. */
export function passphraseHash(db: Db, raterId: string): string | null {
  return getSetting(db, passphraseKey(raterId));
}

export function isProtected(db: Db, raterId: string): boolean {
  return passphraseHash(db, raterId) !== null;
}

export function setPassphraseHash(db: Db, raterId: string, hash: string): void {
  setSetting(db, passphraseKey(raterId), hash);
}
