/**
 * The viewer's keys, in one table that both the key handler and the "?" help overlay read, so the help can
 * never list a key that does nothing or miss one that does something.
 */

export type KeyAction =
  | 'label-valid'
  | 'label-not-valid'
  | 'label-unsure'
  | 'next-region'
  | 'prev-region'
  | 'next-record'
  | 'prev-record'
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
  | 'layout'
  | 'calipers'
  | 'draw-region'
  | 'verdict-yes'
  | 'verdict-partly'
  | 'verdict-no';

export interface KeyBinding {
  keys: string[];
  action: KeyAction;
  description: string;
}

export const KEY_BINDINGS: readonly KeyBinding[] = [
  { keys: ['1'], action: 'label-valid', description: 'Selected region: valid' },
  { keys: ['2'], action: 'label-not-valid', description: 'Selected region: not valid' },
  { keys: ['3'], action: 'label-unsure', description: 'Selected region: unsure' },
  { keys: ['j'], action: 'next-region', description: 'Next evidence region' },
  { keys: ['k'], action: 'prev-region', description: 'Previous evidence region' },
  { keys: ['n'], action: 'next-record', description: 'Next record in the worklist' },
  { keys: ['p'], action: 'prev-record', description: 'Previous record in the worklist' },
  { keys: ['z'], action: 'undo', description: 'Undo the last label (appends a superseding label)' },
  { keys: ['c'], action: 'next-class', description: 'Next class' },
  { keys: ['C'], action: 'prev-class', description: 'Previous class' },
  { keys: ['y'], action: 'verdict-yes', description: 'Explanation clinically plausible: yes' },
  { keys: ['u'], action: 'verdict-partly', description: 'Explanation clinically plausible: partly' },
  { keys: ['x'], action: 'verdict-no', description: 'Explanation clinically plausible: no' },
  { keys: ['+', '='], action: 'zoom-in', description: 'Zoom in (time)' },
  { keys: ['-'], action: 'zoom-out', description: 'Zoom out (time)' },
  { keys: ['ArrowLeft'], action: 'pan-left', description: 'Pan back in time' },
  { keys: ['ArrowRight'], action: 'pan-right', description: 'Pan forward in time' },
  { keys: ['o'], action: 'toggle-overlay', description: 'Show / hide the attribution overlay' },
  { keys: ['w'], action: 'toggle-raw-w', description: 'Overlay raw W instead of W·x' },
  { keys: ['l'], action: 'layout', description: 'Next layout (3x4, 6x2, 12x1)' },
  { keys: ['m'], action: 'calipers', description: 'Calipers on / off (click two points)' },
  { keys: ['d'], action: 'draw-region', description: 'Draw a region the model missed (drag on a lead)' },
  { keys: ['?'], action: 'help', description: 'Show / hide this help' },
  { keys: ['Escape'], action: 'close', description: 'Close help, cancel calipers or drawing' },
];

/** The action for a key event, or null; keys typed into text fields are not shortcuts. */
export function actionForKey(key: string, inTextField: boolean): KeyAction | null {
  if (inTextField && key !== 'Escape') return null;
  const direct = KEY_BINDINGS.find((b) => b.keys.includes(key));
  if (direct) return direct.action;
  const lower = key.length === 1 ? key.toLowerCase() : key;
  // Upper-case letters only count where the table binds them (C); otherwise Shift+letter = letter.
  return KEY_BINDINGS.find((b) => b.keys.includes(lower))?.action ?? null;
}
