/** Lead names as files spell them -> the standard names in record.ts, and the standard lead order. */
import { STANDARD_LEADS, type Lead } from './record.ts';

/** Upper-cased, separator-free spelling -> standard name. Readers of other formats pass an extended copy. */
export const LEAD_ALIASES: ReadonlyMap<string, string> = new Map([
  ...STANDARD_LEADS.map((l) => [l.toUpperCase(), l] as const),
  ['1', 'I'],
  ['2', 'II'],
  ['3', 'III'],
  ['LEADI', 'I'],
  ['LEADII', 'II'],
  ['LEADIII', 'III'],
  ['DI', 'I'],
  ['DII', 'II'],
  ['DIII', 'III'],
  ['AVR', 'aVR'],
  ['AVL', 'aVL'],
  ['AVF', 'aVF'],
]);

/** Prefixes that carry no lead information ("ECG I", "Lead II", "EEG V1" in EDF labels). */
const NOISE_PREFIXES = ['ECG', 'EKG', 'LEAD'];

/** The standard name for a stored lead label, or the label trimmed when it is not a lead we know. */
export function normaliseLeadName(raw: string, aliases: ReadonlyMap<string, string> = LEAD_ALIASES): string {
  const trimmed = raw.trim();
  let key = trimmed.toUpperCase().replace(/[\s_.:]+/g, '');
  const direct = aliases.get(key);
  if (direct) return direct;
  for (const prefix of NOISE_PREFIXES) {
    if (key.startsWith(prefix) && key.length > prefix.length) {
      key = key.slice(prefix.length).replace(/^-/, '');
      const hit = aliases.get(key);
      if (hit) return hit;
    }
  }
  return trimmed;
}

export function isStandardLead(name: string): boolean {
  return (STANDARD_LEADS as readonly string[]).includes(name);
}

/** Standard leads in standard order, then the rest in their original order. */
export function orderLeads(leads: Lead[]): Lead[] {
  const rank = (l: Lead) => {
    const i = (STANDARD_LEADS as readonly string[]).indexOf(l.name);
    return i < 0 ? STANDARD_LEADS.length : i;
  };
  return leads
    .map((lead, index) => ({ lead, index }))
    .sort((a, b) => rank(a.lead) - rank(b.lead) || a.index - b.index)
    .map((x) => x.lead);
}

/**
 * Adds whichever of III, aVR, aVL, aVF is missing when I and II are present (Einthoven: III = II - I;
 * Goldberger: aVR = -(I + II)/2, aVL = I - II/2, aVF = II - I/2), marked derived, with a warning.
 */
export function deriveLimbLeads(leads: Lead[], warnings: string[]): Lead[] {
  const byName = new Map(leads.map((l) => [l.name, l]));
  const i = byName.get('I');
  const ii = byName.get('II');
  if (!i || !ii || i.mv.length !== ii.mv.length) return leads;
  const formulas: [string, (a: number, b: number) => number][] = [
    ['III', (a, b) => b - a],
    ['aVR', (a, b) => -(a + b) / 2],
    ['aVL', (a, b) => a - b / 2],
    ['aVF', (a, b) => b - a / 2],
  ];
  const added: Lead[] = [];
  for (const [name, f] of formulas) {
    if (byName.has(name)) continue;
    const mv = new Float32Array(i.mv.length);
    for (let k = 0; k < mv.length; k++) mv[k] = f(i.mv[k], ii.mv[k]);
    added.push({ name, unit: 'mV', storedUnit: 'mV', derived: true, mv });
  }
  if (added.length === 0) return leads;
  warnings.push(`derived ${added.map((l) => l.name).join(', ')} from leads I and II (not stored in the file)`);
  return [...leads, ...added];
}

/** Multiplier from a stored voltage unit to millivolts, or undefined when the unit is not a voltage. */
export function toMillivoltFactor(unit: string): number | undefined {
  const u = unit.trim().replace('µ', 'u').replace('μ', 'u');
  switch (u.toLowerCase()) {
    case 'mv':
    case '':
      return 1;
    case 'uv':
      return 1e-3;
    case 'nv':
      return 1e-6;
    case 'v':
      return 1e3;
    default:
      return undefined;
  }
}
