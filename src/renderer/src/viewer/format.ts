/** Numbers and verdicts as the viewer prints them. */

export const VALUE_TEXT: Record<string, string> = {
  valid: 'valid',
  not_valid: 'not valid',
  unsure: 'unsure',
  yes: 'yes',
  partly: 'partly',
  no: 'no',
};

/**
 * Two probabilities with as many decimals as it takes to tell them apart (3 to 6), so a what-if that moved a
 * saturated probability shows a change rather than "0.001 -> 0.001". Equal at 6 decimals: printed with 3.
 */
export function formatPair(before: number, after: number): [string, string] {
  for (let digits = 3; digits <= 6; digits++) {
    const a = before.toFixed(digits);
    const b = after.toFixed(digits);
    if (a !== b) return [a, b];
  }
  return [before.toFixed(3), after.toFixed(3)];
}

/** A signed change, e.g. "+0.42" or "−1.07", with a true minus sign. */
export function signed(value: number, digits = 2): string {
  const text = Math.abs(value).toFixed(digits);
  return value < 0 && Number(text) !== 0 ? `−${text}` : `+${text}`;
}
