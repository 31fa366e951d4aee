/**
 * Why a cardiologist judged an evidence region as they did, and the words and colours people see for labels:
 * part of the vocabulary every layer shares (the store keeps these codes, the API contract validates them, the
 * renderer offers them, reports print them), so it has no imports.
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

/** The reason codes as the cardiologist reads them (the viewer's checkboxes, reports' HTML and PDF). */
export const REASON_TEXT: Record<ReasonCode, string> = {
  qrs: 'on the QRS complex',
  st_t: 'on the ST segment / T wave',
  p_wave: 'on the P wave',
  noise_artifact: 'noise or artefact',
  baseline: 'baseline',
  pacing_spike: 'pacing spike',
  wrong_lead: 'wrong lead',
  misses_key_finding: 'misses the key finding elsewhere',
};

/**
 * Label values in words. Codes stay in the store, CSV and JSON; people read these (viewer, report HTML and PDF).
 */
export const VERDICT_TEXT: Record<string, string> = {
  valid: 'valid',
  not_valid: 'not valid',
  unsure: 'unsure',
  yes: 'yes',
  partly: 'partly',
  no: 'no',
  withdrawn: 'withdrawn',
};

/** A code in words: a verdict, a reason, or the code itself when it is neither. */
export function inWords(code: string): string {
  return VERDICT_TEXT[code] ?? (REASON_TEXT as Record<string, string>)[code] ?? code;
}

/**
 * The colour-blind-safe palette of every chart and verdict mark, from ColorBrewer PuOr (the viewer's overlay):
 * purple for valid / yes, orange for not valid / no, grey for unsure; never green against red.
 */
export const VERDICT_COLOURS: Record<string, string> = {
  valid: '#542788',
  not_valid: '#e08214',
  unsure: '#9e9e9e',
  yes: '#542788',
  partly: '#b2abd2',
  no: '#e08214',
};

/** Series colours for charts without verdicts: purple, orange, grey, then the lighter PuOr steps. */
export const SERIES_COLOURS = ['#542788', '#e08214', '#7f7f7f', '#b2abd2', '#fdb863', '#2d004b', '#7f3b08'];
