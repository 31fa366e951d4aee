/**
 * Who is rating on this screen. The rater itself (id + name) lives in the database (per installation);
 * the screen only remembers which one was picked, so a reload keeps the rater and a new launch asks again
 * only where the browser forgets (browser mode on a new port). A rater whose name is protected by a passphrase
 * also has a session token (api.ts), which ends when the screen switches to someone else.
 */
import { ref } from 'vue';
import type { RaterDto } from '../../shared/api/labels.ts';
import { api, currentSession, useSession } from './api.ts';

const KEY = 'ecg-audit-rater';

export const currentRater = ref<RaterDto | null>(null);

export function rememberedRaterId(): string | null {
  return localStorage.getItem(KEY);
}

/** Rate as `rater`, with the session of theirs `session` (a protected rater), or as nobody. */
export function chooseRater(rater: RaterDto | null, session: string | null = null): void {
  const previous = currentSession();
  if (previous && previous !== session) void api.call('labels.signOut', { session: previous }).catch(() => undefined);
  useSession(session);
  currentRater.value = rater;
  if (rater) localStorage.setItem(KEY, rater.id);
  else localStorage.removeItem(KEY);
}

/** The current rater protected their name: this screen keeps the session that came with it. */
export function protectedCurrentRater(session: string): void {
  useSession(session);
  if (currentRater.value) currentRater.value = { ...currentRater.value, protected: true };
}

/**
 * The database changed under the screen (a package was opened): a session belongs to the database that issued
 * it, and whether the current name is protected is that database's fact, so both are read again from it.
 */
export async function reloadCurrentRater(): Promise<void> {
  const id = currentRater.value?.id;
  if (!id) return;
  const rater = (await api.call('labels.raters', {})).find((r) => r.id === id) ?? null;
  useSession(null);
  currentRater.value = rater;
  if (!rater) localStorage.removeItem(KEY);
}
