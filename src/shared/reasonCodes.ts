/**
 * Why a cardiologist judged an evidence region as they did: part of the vocabulary every layer shares (the
 * store keeps these codes, the API contract validates them, the renderer offers them), so it has no imports.
 */
export const REASON_CODES = [
  'qrs',
  'st_t',
  'p_wave',
  'noise_artifact',
  'baseline',
  'pacing_spike',
  'wrong_lead',
  'misses_key_finding',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
