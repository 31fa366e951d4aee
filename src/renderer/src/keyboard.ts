/**
 * The viewer's keys, in one table that both the key handler and the "?" help overlay read, so the help can
 * never list a key that does nothing or miss one that does something. A verdict with one reason takes three
 * keys: the verdict (1-3), the reason's letter, and J to the next region.
 */
import { REASON_CODES, type ReasonCode } from '../../shared/reasonCodes.ts';

export type KeyAction =
  | 'label-valid'
  | 'label-not-valid'
  | 'label-unsure'
  | `reason:${ReasonCode}`
  | 'next-region'
  | 'prev-region'
  | 'next-unlabelled-region'
  | 'next-record'
  | 'prev-record'
  | 'next-unreviewed-record'
  | 'undo'
  | 'help'
  | 'close'
  | 'next-class'
  | 'prev-class'
  | 'zoom-in'
  | 'zoom-out'
  | 'pan-left'
  | 'pan-right'
  | 'toggle-overlay'
  | 'toggle-raw-w'
  | 'toggle-waves'
  | 'layout'
  | 'fit'
  | 'calipers'
  | 'draw-region'
  | 'what-if-region'
  | 'verdict-yes'
  | 'verdict-partly'
  | 'verdict-no'
  | 'agree-yes'
  | 'agree-no';

export interface KeyBinding {
  keys: string[];
  action: KeyAction;
  description: string;
  /** Where the help overlay lists it. */
  group: 'Labelling' | 'Moving' | 'Reading the ECG';
}

/** The letter of each reason, shown beside the reason's checkbox and in the help. */
export const REASON_KEYS: Record<ReasonCode, string> = {
  qrs: 'q',
  st_t: 't',
  p_wave: 'a',
  noise_artifact: 'r',
  baseline: 'b',
  pacing_spike: 's',
  wrong_lead: 'v',
  misses_key_finding: 'e',
};

const REASON_HELP: Record<ReasonCode, string> = {
  qrs: 'Reason: on the QRS complex',
  st_t: 'Reason: on the ST segment / T wave',
  p_wave: 'Reason: on the P wave (atrial)',
  noise_artifact: 'Reason: noise or artefact',
  baseline: 'Reason: baseline',
  pacing_spike: 'Reason: pacing spike',
  wrong_lead: 'Reason: wrong lead (view)',
  misses_key_finding: 'Reason: misses the key finding elsewhere',
};

export const KEY_BINDINGS: readonly KeyBinding[] = [
  { keys: ['1'], action: 'label-valid', description: 'Selected region: valid', group: 'Labelling' },
  { keys: ['2'], action: 'label-not-valid', description: 'Selected region: not valid', group: 'Labelling' },
  { keys: ['3'], action: 'label-unsure', description: 'Selected region: unsure', group: 'Labelling' },
  ...REASON_CODES.map((code): KeyBinding => ({
    keys: [REASON_KEYS[code]],
    action: `reason:${code}`,
    description: `${REASON_HELP[code]} (toggles; after a verdict)`,
    group: 'Labelling',
  })),
  { keys: ['y'], action: 'verdict-yes', description: 'Record: explanation clinically plausible, yes', group: 'Labelling' },
  { keys: ['u'], action: 'verdict-partly', description: 'Record: explanation clinically plausible, partly', group: 'Labelling' },
  { keys: ['x'], action: 'verdict-no', description: 'Record: explanation clinically plausible, no', group: 'Labelling' },
  { keys: ['g'], action: 'agree-yes', description: 'Record: agree with the model’s class', group: 'Labelling' },
  { keys: ['G'], action: 'agree-no', description: 'Record: disagree with the model’s class', group: 'Labelling' },
  { keys: ['z'], action: 'undo', description: 'Undo the last label (appends a superseding label)', group: 'Labelling' },
  { keys: ['d'], action: 'draw-region', description: 'Draw a region the model missed (drag on a lead)', group: 'Labelling' },
  { keys: ['j'], action: 'next-region', description: 'Next evidence region', group: 'Moving' },
  { keys: ['k'], action: 'prev-region', description: 'Previous evidence region', group: 'Moving' },
  { keys: ['J'], action: 'next-unlabelled-region', description: 'Next region without your verdict', group: 'Moving' },
  { keys: ['n'], action: 'next-record', description: 'Next record in the worklist', group: 'Moving' },
  { keys: ['p'], action: 'prev-record', description: 'Previous record in the worklist', group: 'Moving' },
  { keys: ['N'], action: 'next-unreviewed-record', description: 'Next record without your record verdict', group: 'Moving' },
  { keys: ['c'], action: 'next-class', description: 'Next class', group: 'Moving' },
  { keys: ['C'], action: 'prev-class', description: 'Previous class', group: 'Moving' },
  { keys: ['i'], action: 'what-if-region', description: 'What if: re-run the model without the selected region', group: 'Reading the ECG' },
  { keys: ['+', '='], action: 'zoom-in', description: 'Zoom in (time)', group: 'Reading the ECG' },
  { keys: ['-'], action: 'zoom-out', description: 'Zoom out (time)', group: 'Reading the ECG' },
  { keys: ['ArrowLeft'], action: 'pan-left', description: 'Pan back in time', group: 'Reading the ECG' },
  { keys: ['ArrowRight'], action: 'pan-right', description: 'Pan forward in time', group: 'Reading the ECG' },
  {
    keys: ['o'],
    action: 'toggle-overlay',
    description: 'Show / hide the evidence colours (attribution overlay)',
    group: 'Reading the ECG',
  },
  {
    keys: ['w'],
    action: 'toggle-raw-w',
    description: 'Colour by the model’s weights alone (raw W) instead of weight × signal',
    group: 'Reading the ECG',
  },
  {
    keys: ['h'],
    action: 'toggle-waves',
    description: 'Show / hide the P, QRS and T marks (the record’s wave annotations, where it has them)',
    group: 'Reading the ECG',
  },
  { keys: ['l'], action: 'layout', description: 'Next layout (3×4 + rhythm, 6×2, 12×1)', group: 'Reading the ECG' },
  { keys: ['f'], action: 'fit', description: 'Paper: fit to the window / true scale (calibrated)', group: 'Reading the ECG' },
  { keys: ['m'], action: 'calipers', description: 'Calipers on / off (click two points)', group: 'Reading the ECG' },
  { keys: ['?'], action: 'help', description: 'Show / hide this help', group: 'Reading the ECG' },
  {
    keys: ['Escape'],
    action: 'close',
    description: 'Close help, cancel calipers or drawing, leave a single lead',
    group: 'Reading the ECG',
  },
];

/** Typing into a text field (not a checkbox or button): its keys are text, not shortcuts. */
export function isTextField(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; type?: string; isContentEditable?: boolean } | null;
  if (!el?.tagName) return false;
  if (el.tagName === 'INPUT') return !['checkbox', 'radio', 'button', 'submit'].includes(el.type ?? '');
  return el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable === true;
}

/** The action for a key event, or null; keys typed into text fields are not shortcuts. */
export function actionForKey(key: string, inTextField: boolean): KeyAction | null {
  if (inTextField && key !== 'Escape') return null;
  const direct = KEY_BINDINGS.find((b) => b.keys.includes(key));
  if (direct) return direct.action;
  const lower = key.length === 1 ? key.toLowerCase() : key;
  // Upper-case letters only count where the table binds them (C, G, J, N); otherwise Shift+letter = letter.
  return KEY_BINDINGS.find((b) => b.keys.includes(lower))?.action ?? null;
}

/** How a key is printed: arrows and Esc by name, upper-case bindings as Shift+letter. */
export function keyText(k: string): string {
  if (k === 'ArrowLeft') return '←';
  if (k === 'ArrowRight') return '→';
  if (k === 'Escape') return 'Esc';
  if (k.length === 1 && k !== k.toLowerCase()) return `Shift+${k}`;
  return k.toUpperCase();
}

/** The printed key of an action (its first binding), for tooltips: "Next record (N)". */
export function keyFor(action: KeyAction): string {
  const b = KEY_BINDINGS.find((x) => x.action === action);
  return b ? keyText(b.keys[0]!) : '';
}
