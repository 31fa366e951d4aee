/**
 * Who is calling. A request names its rater (`raterId`); for a rater whose name is protected by a passphrase the
 * adapters also hand over the session token that `labels.signIn` issued, and the call is refused unless that
 * token was issued to that rater on this database. Unprotected raters are taken at their word (one click in
 * the rater picker), which is why owning a blinded study needs a protected name (viewerQueries.ts).
 */
import { randomBytes } from 'node:crypto';
import { isProtected, listRaters, passphraseHash, verifyPassphrase } from '../core/store/index.ts';
import { ApiError, type ApiMethod } from '../shared/api/index.ts';
import type { AppContext } from './context.ts';
import { appStore } from './records.ts';

interface Session {
  raterId: string;
  dbPath: string;
}

interface Failures {
  count: number;
  lockedUntil: number;
}

/** Wrong passphrases allowed before each further try waits (30 s, doubling, at most 15 min). */
const FREE_TRIES = 5;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;

interface SessionState {
  sessions: Map<string, Session>;
  failures: Map<string, Failures>;
}

const states = new WeakMap<AppContext, SessionState>();

function stateOf(ctx: AppContext): SessionState {
  let state = states.get(ctx);
  if (!state) {
    state = { sessions: new Map(), failures: new Map() };
    states.set(ctx, state);
  }
  return state;
}

function raterName(ctx: AppContext, raterId: string): string {
  const rater = listRaters(appStore(ctx)).find((r) => r.id === raterId);
  if (!rater) throw new ApiError('not-found', `rater ${raterId} does not exist`);
  return rater.displayName;
}

/** A new session for the rater (after a passphrase was checked or set). */
export function openSession(ctx: AppContext, raterId: string): string {
  const token = randomBytes(32).toString('base64url');
  stateOf(ctx).sessions.set(token, { raterId, dbPath: ctx.dbPath });
  return token;
}

export function closeSession(ctx: AppContext, token: string): void {
  stateOf(ctx).sessions.delete(token);
}

/** Ends every session of the rater (their passphrase changed). */
export function closeSessionsOf(ctx: AppContext, raterId: string): void {
  const { sessions } = stateOf(ctx);
  for (const [token, session] of sessions) if (session.raterId === raterId) sessions.delete(token);
}

/** Checks the passphrase and opens a session; wrong ones are counted per rater and, past a few, slowed down. */
export async function signIn(ctx: AppContext, raterId: string, passphrase: string): Promise<string> {
  const name = raterName(ctx, raterId);
  const hash = passphraseHash(appStore(ctx), raterId);
  if (hash === null) throw new ApiError('bad-request', `${name} has no passphrase: pick the name to rate as ${name}`);
  const { failures } = stateOf(ctx);
  const now = Date.now();
  const past = failures.get(raterId) ?? { count: 0, lockedUntil: 0 };
  if (past.lockedUntil > now) {
    throw new ApiError(
      'unauthorized',
      `Too many wrong passphrases for ${name}: try again in ${Math.ceil((past.lockedUntil - now) / 1000)} s.`,
    );
  }
  if (!(await verifyPassphrase(hash, passphrase))) {
    const count = past.count + 1;
    const lockMs = count < FREE_TRIES ? 0 : Math.min(FIRST_LOCK_MS * 2 ** (count - FREE_TRIES), MAX_LOCK_MS);
    failures.set(raterId, { count, lockedUntil: Date.now() + lockMs });
    throw new ApiError('unauthorized', `Wrong passphrase for ${name}.`);
  }
  failures.delete(raterId);
  return openSession(ctx, raterId);
}

/**
 * Refuses a call that names a protected rater (`raterId`) without a session of theirs on the open database.
 * `labels.signIn` is how one gets that session, so it is let through.
 */
export function authorizeCaller(ctx: AppContext, method: ApiMethod, request: unknown, token: string | undefined): void {
  if (method === 'labels.signIn') return;
  const raterId = (request as { raterId?: unknown }).raterId;
  if (typeof raterId !== 'string' || !isProtected(appStore(ctx), raterId)) return;
  const session = token === undefined ? undefined : stateOf(ctx).sessions.get(token);
  if (session?.raterId === raterId && session.dbPath === ctx.dbPath) return;
  throw new ApiError(
    'unauthorized',
    `${raterName(ctx, raterId)}’s name is protected by a passphrase: sign in with it to act as ${raterName(ctx, raterId)}.`,
  );
}
