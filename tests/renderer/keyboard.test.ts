import { describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../src/shared/reasonCodes.ts';
import { actionForKey, isTextField, KEY_BINDINGS, keyFor, keyText, REASON_KEYS } from '../../src/renderer/src/keyboard.ts';

describe('keyboard map', () => {
  it('maps the labelling keys and ignores keys typed into text fields', () => {
    expect(actionForKey('1', false)).toBe('label-valid');
    expect(actionForKey('j', false)).toBe('next-region');
    expect(actionForKey('J', false)).toBe('next-unlabelled-region');
    expect(actionForKey('C', false)).toBe('prev-class');
    expect(actionForKey('c', false)).toBe('next-class');
    expect(actionForKey('N', false)).toBe('next-unreviewed-record');
    expect(actionForKey('g', false)).toBe('agree-yes');
    expect(actionForKey('G', false)).toBe('agree-no');
    expect(actionForKey('i', false)).toBe('what-if-region');
    expect(actionForKey('f', false)).toBe('fit');
    // Shift+letter where the table binds no upper case is the letter
    expect(actionForKey('Y', false)).toBe('verdict-yes');
    expect(actionForKey('?', false)).toBe('help');
    expect(actionForKey('1', true)).toBeNull();
    expect(actionForKey('q', true)).toBeNull();
    expect(actionForKey('Escape', true)).toBe('close');
    expect(actionForKey('F1', false)).toBeNull();
  });

  it('gives every reason its own key, listed in the help', () => {
    for (const code of REASON_CODES) {
      expect(actionForKey(REASON_KEYS[code], false)).toBe(`reason:${code}`);
      expect(KEY_BINDINGS.find((b) => b.action === `reason:${code}`)?.group).toBe('Labelling');
    }
  });

  it('binds each key once and each action once, everything the issue asks for included', () => {
    const keys = KEY_BINDINGS.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
    const actions = KEY_BINDINGS.map((b) => b.action);
    expect(new Set(actions).size).toBe(actions.length);
    for (const a of [
      'label-valid',
      'label-not-valid',
      'label-unsure',
      'verdict-yes',
      'verdict-partly',
      'verdict-no',
      'agree-yes',
      'agree-no',
      'next-unlabelled-region',
      'next-unreviewed-record',
      'next-class',
      'layout',
      'what-if-region',
      'toggle-waves',
      'help',
    ] as const)
      expect(actions).toContain(a);
  });

  it('tells text fields (keys are text there) from checkboxes and buttons (keys stay shortcuts)', () => {
    expect(isTextField({ tagName: 'INPUT', type: 'search' } as never)).toBe(true);
    expect(isTextField({ tagName: 'INPUT', type: 'checkbox' } as never)).toBe(false);
    expect(isTextField({ tagName: 'TEXTAREA' } as never)).toBe(true);
    expect(isTextField({ tagName: 'BUTTON' } as never)).toBe(false);
    expect(isTextField({ tagName: 'DIV', isContentEditable: true } as never)).toBe(true);
    expect(isTextField(null)).toBe(false);
  });

  it('prints keys as they are pressed', () => {
    expect(keyText('ArrowLeft')).toBe('←');
    expect(keyText('Escape')).toBe('Esc');
    expect(keyText('G')).toBe('Shift+G');
    expect(keyText('q')).toBe('Q');
    expect(keyFor('next-record')).toBe('N');
    expect(keyFor('agree-no')).toBe('Shift+G');
  });
});
