/**
 * records.measurements over records imported by the real batch import: the heart rate comes from the stored
 * signal and agrees with LUDB's annotated beats; delineated records bring their waves and intervals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { measureIntervals } from '../../src/core/signal/intervals.ts';
import { appClient } from '../helpers/appClient.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { buildDb, ludbRecordFiles, ptbxlRecordFiles } from '../renderer/viewerDb.ts';
import { ludbReferenceBeats, matchBeats } from '../signal/beatReference.ts';

let dir: string;
let client: ReturnType<typeof appClient>;
let byName: Map<string, number>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-measurements-'));
  const dbPath = join(dir, 'audit.sqlite');
  // LUDB 1 sinus bradycardia, 44 atrial fibrillation; PTB-XL 1 (no delineation)
  await buildDb(dbPath, [...ludbRecordFiles([1, 44]), ...ptbxlRecordFiles([1])], 3);
  client = appClient(dbPath, join(dir, 'no-models'));
  const studyId = (await client.call('records.studies', {}))[0]!.id;
  const raterId = (await client.call('labels.createRater', { displayName: 'r' })).id;
  const items = (await client.call('records.worklist', { studyId, raterId })).items;
  byName = new Map(items.map((i) => [i.recordName, i.recordId]));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordId(name: string): number {
  const id = [...byName].find(([n]) => n === name || n.endsWith(`/${name}`))?.[1];
  if (id === undefined) throw new Error(`no record ${name} among ${[...byName.keys()].join(', ')}`);
  return id;
}

describe('records.measurements', () => {
  it('gives a LUDB record its detected beats (every annotated beat within 150 ms), a regular rate, waves and intervals', async () => {
    const file = await readEcgFile(join(sharedDataDir(), 'ludb', 'data', '1'));
    const m = await client.call('records.measurements', { recordId: recordId('1') });
    const reference = ludbReferenceBeats(file.annotations).map((b) => b.sample / 500);
    expect(matchBeats(reference, m.beatsS, 0.15).falseNegatives).toBe(0);
    expect(m.heartRate).toMatchObject({ regular: true, beats: m.beatsS.length });
    // sinus bradycardia
    expect(m.heartRate!.medianBpm).toBeGreaterThan(40);
    expect(m.heartRate!.medianBpm).toBeLessThan(60);
    expect(m.heartRate!.minBpm).toBeLessThanOrEqual(m.heartRate!.medianBpm);
    expect(m.heartRate!.maxBpm).toBeGreaterThanOrEqual(m.heartRate!.medianBpm);
    expect(m.noRate).toBeNull();
    expect(m.delineation!.waves).toHaveLength(file.annotations.length);
    expect(new Set(m.delineation!.waves.map((w) => w.lead)).size).toBe(12);
    expect(m.delineation!.intervals).toEqual(measureIntervals(file.annotations));
  });

  it('gives atrial fibrillation a rate range (irregular) and no PR interval', async () => {
    const m = await client.call('records.measurements', { recordId: recordId('44') });
    expect(m.heartRate!.regular).toBe(false);
    expect(m.heartRate!.maxBpm - m.heartRate!.minBpm).toBeGreaterThan(10);
    expect(m.delineation!.intervals).toMatchObject({ prMs: null, beats: { pr: 0 } });
    expect(m.delineation!.intervals!.qrsMs).toBeGreaterThan(100);
  });

  it('gives a record without delineation a heart rate and no delineation', async () => {
    const m = await client.call('records.measurements', { recordId: recordId('00001_hr') });
    expect(m.heartRate).not.toBeNull();
    expect(m.heartRate!.beats).toBeGreaterThanOrEqual(8);
    expect(m.delineation).toBeNull();
  });

  it('answers not-found for a record that does not exist', async () => {
    expect((await client.error('records.measurements', { recordId: 999_999 })).code).toBe('not-found');
  });
});
