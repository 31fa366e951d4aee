/**
 * Errors as the person at the screen reads them, shown where the action was. A refusal the app explains
 * (bad request, not found, conflict, not allowed) keeps the app's sentence; anything else (a crash inside the
 * server, a lost connection) is said in plain words, with the technical text kept for the tooltip.
 */
import { ApiError } from '../../../shared/api/contract.ts';

export interface ShownError {
  /** What the person reads. */
  text: string;
  /** The technical detail, for the tooltip (never the main text). */
  detail: string;
}

export function describeError(err: unknown, doing: string): ShownError {
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiError && err.code !== 'internal') return { text: `Could not ${doing}: ${detail}`, detail };
  if (err instanceof TypeError) return { text: `Could not ${doing}: the app’s server did not answer. Is the app still running?`, detail };
  return { text: `Could not ${doing}: the app ran into an unexpected problem. Please try again.`, detail };
}
