/**
 * Signed labels. Every rater gets an Ed25519 key pair when created: the public key is in the raters row and
 * travels with packages; the private key stays in the per-user key folder of the installation that made the
 * rater, never in a database or a package. Each label is signed when it is appended, over its portable form
 * (the record by signal hash, an evidence region by model, class, lead, span and rank), so the signature holds
 * in every database the label is merged into. The threat model is in docs/packages.md.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StoreError } from './errors.ts';
import { userDataDir } from './paths.ts';

/** Where private keys live: $ECG_AUDIT_KEYS, else `rater-keys` in the per-user data folder. */
export function raterKeysDir(): string {
  return process.env.ECG_AUDIT_KEYS ? resolve(process.env.ECG_AUDIT_KEYS) : join(userDataDir(), 'rater-keys');
}

function keyFile(raterId: string): string {
  // ids come from packages too: never let one name a path outside the key folder
  if (!/^[\w-]{1,100}$/.test(raterId)) throw new StoreError('invalid', `rater id ${JSON.stringify(raterId)} cannot name a key file`);
  return join(raterKeysDir(), `${raterId}.pem`);
}

const publicKeyText = (key: KeyObject): string => key.export({ type: 'spki', format: 'der' }).toString('base64');

/** Makes the rater's key pair, writes the private key (owner-only) and returns the public key (SPKI DER, base64). */
export function createRaterKey(raterId: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(raterKeysDir(), { recursive: true, mode: 0o700 });
  writeFileSync(keyFile(raterId), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  return publicKeyText(publicKey);
}

const privateKeys = new Map<string, { key: KeyObject; publicKey: string }>();

/** The rater's private key on this machine with its public key, or null when this installation does not hold it. */
export function raterPrivateKey(raterId: string): { key: KeyObject; publicKey: string } | null {
  const file = keyFile(raterId);
  const cached = privateKeys.get(file);
  if (cached) return cached;
  if (!existsSync(file)) return null;
  const key = createPrivateKey(readFileSync(file));
  const entry = { key, publicKey: publicKeyText(createPublicKey(key)) };
  privateKeys.set(file, entry);
  return entry;
}

/** A short, comparable name of a public key (first 16 hex digits of its sha256), for people to check keys by. */
export function keyFingerprint(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 16);
}

/** What a label signature covers: every field of the label in its portable form. */
export interface SignedLabelFields {
  id: string;
  raterId: string;
  createdAt: string;
  recordSha256: string;
  targetKind: string;
  /** Portable: an evidence region is named by regionKeyText, never by its row id. */
  targetKey: string;
  className: string | null;
  lead: string | null;
  startSample: number | null;
  endSample: number | null;
  value: string;
  /** The stored JSON text of the reason codes. */
  reasons: string;
  note: string;
  scale: string | null;
  supersedes: string | null;
}

export interface RegionKey {
  modelId: string;
  className: string;
  lead: string;
  startSample: number;
  endSample: number;
  rank: number;
}

/** An evidence region as every database names it: (record signal hash, model, class, lead, span, rank). */
export function regionKeyText(recordSha256: string, k: RegionKey): string {
  return JSON.stringify([recordSha256, k.modelId, k.className, k.lead, k.startSample, k.endSample, k.rank]);
}

const LABEL_SIGNATURE_VERSION = 'ecg-audit-label-signature/1';

function payload(l: SignedLabelFields): Buffer {
  return Buffer.from(
    JSON.stringify([
      LABEL_SIGNATURE_VERSION,
      l.id,
      l.raterId,
      l.createdAt,
      l.recordSha256,
      l.targetKind,
      l.targetKey,
      l.className,
      l.lead,
      l.startSample,
      l.endSample,
      l.value,
      l.reasons,
      l.note,
      l.scale,
      l.supersedes,
    ]),
    'utf8',
  );
}

export function signLabel(key: KeyObject, label: SignedLabelFields): string {
  return sign(null, payload(label), key).toString('base64');
}

const publicKeys = new Map<string, KeyObject | null>();

/** True when `signature` is the rater's (the holder of `publicKey`) over exactly this label. */
export function labelSignatureValid(publicKey: string, label: SignedLabelFields, signature: string | null): boolean {
  if (signature === null) return false;
  let key = publicKeys.get(publicKey);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
    publicKeys.set(publicKey, key);
  }
  if (key === null) return false;
  try {
    return verify(null, payload(label), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
