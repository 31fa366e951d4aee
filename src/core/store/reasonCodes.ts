/**
 * Why a cardiologist judged an evidence region as they did. Defined once here, without imports, because the
 * API contract the renderer is built with (src/shared/api/labels.ts) validates against the same list.
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
