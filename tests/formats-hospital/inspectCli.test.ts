import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { writeAecg } from '../helpers/hospitalWriters/aecg.ts';
import { writeDicom } from '../helpers/hospitalWriters/dicom.ts';
import { writeMuse } from '../helpers/hospitalWriters/muse.ts';
import { writePhilips } from '../helpers/hospitalWriters/philips.ts';
import { writeScp } from '../helpers/hospitalWriters/scp.ts';
import { EIGHT_LEADS, syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { tempFile } from './harness.ts';

async function inspect(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    const code = await main(['node', 'ecg-audit', 'inspect', ...args]);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

const sig12 = syntheticSignal(TWELVE_LEADS, 500, 1);
const FILES: [string, () => Buffer, string][] = [
  ['muse-xml', () => writeMuse(syntheticSignal(EIGHT_LEADS, 500, 1)), '.xml'],
  ['philips-xml', () => writePhilips(sig12, { xli: true }), '.xml'],
  ['hl7-aecg', () => writeAecg(sig12), '.xml'],
  ['dicom', () => writeDicom(sig12), '.dcm'],
  ['scp-ecg', () => writeScp(sig12), '.scp'],
];
const IDENTIFIERS = ['PAT-123456', 'Doe', 'Jane', '1961'];

describe('ecg-audit inspect on hospital formats', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(FILES)('detects %s by content and hides identifiers unless asked', async (format, write, ext) => {
    const path = tempFile(write(), ext);
    const plain = await inspect([path, '--json']);
    expect(plain.code).toBe(0);
    const json = JSON.parse(plain.out) as { format: string; leads: { name: string; mv: number[] }[] };
    expect(json.format).toBe(format);
    expect(json.leads.map((l) => l.name)).toEqual(TWELVE_LEADS);
    for (const id of IDENTIFIERS) expect(plain.out).not.toContain(id);
    const shown = await inspect([path, '--json', '--show-identifiers']);
    expect(shown.out).toContain('PAT-123456');
  });

  it('detects by content, not extension', async () => {
    const path = tempFile(writeDicom(sig12), '.xml');
    const r = await inspect([path, '--json']);
    expect((JSON.parse(r.out) as { format: string }).format).toBe('dicom');
  });
});
