import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReportCsv, ImportInputError, startImport, type ImportModel, type ImportProgress } from '../../src/core/import/index.ts';
import { type Db, fileOutcomes, getRecord, getRun, listStudies, openStore } from '../../src/core/store/index.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { tinyModel } from './helpers.ts';

let model: ImportModel;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ model, close } = await tinyModel());
});
afterAll(() => close());

function freshDb(): Db {
  return openStore(join(mkdtempSync(join(tmpdir(), 'ecg-import-')), 'audit.sqlite'));
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Record pairs whose signal files are byte-identical upstream (shared data README). */
const UPSTREAM_TWINS = [
  ['00137', '00138'],
  ['00143', '00144'],
  ['00456', '00457'],
  ['00459', '00460'],
  ['00145', '00463'],
];

/** The three clinical datasets of the shared data; its other folders (vendor files, wfdb's test corpus,
 * the full PTB-XL label table) have tests of their own. */
const DATASETS = ['ptbxl', 'ludb', 'cinc2020'];

describe('import of the shared clinical datasets', () => {
  it('imports every ECG once, skips what is not an ECG with a reason, and adds nothing on re-import', async () => {
    const db = freshDb();
    const inputs = DATASETS.map((d) => join(sharedDataDir(), d));
    const all = inputs.flatMap(walk);
    const headers = all.filter((f) => f.endsWith('.hea'));
    const summary = await startImport(db, { inputs, study: 'all data', model }).done;

    expect(summary.failed).toEqual([]);
    expect(summary.status).toBe('completed');
    const outcomes = fileOutcomes(db, summary.jobId);
    expect(outcomes.map((o) => o.path).sort()).toEqual([...all].sort());
    const byPath = new Map(outcomes.map((o) => [o.path, o]));
    // every header is a record: imported, or a duplicate of an identical signal imported before it
    for (const h of headers) expect(['imported', 'duplicate']).toContain(byPath.get(h)!.outcome);
    expect(summary.imported + summary.duplicates).toBe(headers.length);
    const dups = outcomes.filter((o) => o.outcome === 'duplicate');
    for (const d of dups) {
      const twin = UPSTREAM_TWINS.find(([, second]) => basename(d.path).startsWith(second!));
      expect(twin, `${d.path} is not a known upstream twin`).toBeDefined();
      expect(d.reason).toContain(`${twin![0]}_`);
    }
    // every signal and annotation file is part of its record
    for (const f of all.filter((p) => /\.(dat|mat|i|ii|iii|avr|avl|avf|v[1-6])$/.test(p))) {
      expect(byPath.get(f)!.outcome, f).toBe('part-of-record');
    }
    const skipped = outcomes.filter((o) => o.outcome === 'skipped');
    expect(skipped.map((o) => basename(o.path)).sort()).toEqual(
      [
        'ANNOTATORS',
        'LICENSE.txt',
        'LICENSE.txt',
        'README',
        'RECORDS',
        'SHA256SUMS.txt',
        'SOURCE.md',
        'SOURCE.md',
        'SOURCE.md',
        'ludb.csv',
        'ptbxl_database.csv',
        'scp_statements.csv',
      ].sort(),
    );
    for (const s of skipped) expect(s.reason).toMatch(/^not an ECG: /);
    expect(errorReportCsv(db, summary.jobId).split('\n')[0]).toBe('file,outcome,problem');

    // LUDB waves and PTB-XL metadata came along; identifiers were dropped
    const ludb = outcomes.find((o) => o.path.endsWith('ludb/data/1.hea'))!;
    const rec = getRecord(db, ludb.recordId!);
    expect(rec.annotations.length).toBeGreaterThan(100);
    expect(rec.leads).toHaveLength(12);
    expect(rec.identifying).toBeNull();
    const run = getRun(db, ludb.recordId!)!;
    expect(run.classes).toHaveLength(5);
    expect(run.attributionSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.mapRateHz).toBe(100);

    const again = await startImport(db, { inputs, study: 'all data', model }).done;
    expect(again.jobId).not.toBe(summary.jobId);
    expect(again.imported).toBe(0);
    expect(again.duplicates).toBe(headers.length);
    expect(listStudies(db)).toMatchObject([{ name: 'all data', records: summary.imported }]);
    db.close();
  }, 600_000);
});

describe('import behaviour', () => {
  const subset = () => {
    const dir = join(sharedDataDir(), 'ptbxl/records100/00000');
    return readdirSync(dir)
      .filter((f) => f.endsWith('.hea'))
      .slice(0, 12)
      .map((f) => join(dir, f));
  };

  it('keeps identifiers only when asked, and counts the same files in another study as new records', async () => {
    const db = freshDb();
    const files = subset().slice(0, 2);
    const a = await startImport(db, { inputs: files, study: 'A', model }).done;
    const b = await startImport(db, { inputs: files, study: 'B', model, keepIdentifiers: true }).done;
    expect([a.imported, b.imported]).toEqual([2, 2]);
    const [ra, rb] = [fileOutcomes(db, a.jobId)[0]!, fileOutcomes(db, b.jobId)[0]!];
    expect(getRecord(db, ra.recordId!).identifying).toBeNull();
    expect(getRecord(db, rb.recordId!).identifying).toMatchObject({ patientId: expect.any(String) });
    expect(getRecord(db, ra.recordId!).pseudonym).toBe('S1-0001');
    expect(getRecord(db, rb.recordId!).pseudonym).toBe('S2-0001');
    db.close();
  });

  it('records a broken file as failed and goes on with the batch', async () => {
    const db = freshDb();
    const dir = mkdtempSync(join(tmpdir(), 'ecg-broken-'));
    // a header whose signal file is shorter than it says, and one whose signal file is missing
    writeFileSync(
      join(dir, 'short.hea'),
      'short 12 100 1000\n' + Array.from({ length: 12 }, (_, i) => `short.dat 16 1000/mV 16 0 0 0 0 L${i}`).join('\n') + '\n',
    );
    writeFileSync(join(dir, 'short.dat'), Buffer.alloc(100));
    writeFileSync(join(dir, 'lost.hea'), 'lost 1 100 1000\nlost.dat 16 1000/mV 16 0 0 0 0 I\n');
    mkdirSync(join(dir, 'more'));
    writeFileSync(join(dir, 'more', 'notes.pdf'), '%PDF-1.4 not an ECG');
    const summary = await startImport(db, { inputs: [dir, ...subset().slice(0, 3)], study: 'mixed', model }).done;
    expect(summary.imported).toBe(3);
    expect(summary.failed.map((f) => basename(f.file)).sort()).toEqual(['lost.hea', 'short.hea']);
    for (const f of summary.failed) expect(f.error).toContain(join(dir, basename(f.file, '.hea')));
    const csv = errorReportCsv(db, summary.jobId);
    expect(csv).toContain('notes.pdf,skipped,not an ECG: PDF document');
    expect(csv).toMatch(/short\.hea,failed,/);
    db.close();
  });

  it('leaves no empty study behind when a folder holds no ECG, or only ECGs that fail, and says why', async () => {
    const db = freshDb();
    const notes = mkdtempSync(join(tmpdir(), 'ecg-no-ecg-'));
    writeFileSync(join(notes, 'notes.pdf'), '%PDF-1.4 not an ECG');
    writeFileSync(join(notes, 'readme.txt'), 'nothing to see');
    const none = await startImport(db, { inputs: [notes], study: 'No ECG here', model }).done;
    expect(none).toMatchObject({ status: 'completed', imported: 0, skipped: 2 });
    expect(none.nothingImported).toMatchObject({ studyRemoved: true });
    expect(none.nothingImported!.message).toBe(
      `No ECG files found in ${notes}: none of its 2 files is an ECG this app reads; study “No ECG here” was not created.`,
    );
    expect(none.nothingImported!.problems.map((p) => [basename(p.path), p.outcome])).toEqual([
      ['notes.pdf', 'skipped'],
      ['readme.txt', 'skipped'],
    ]);
    expect(listStudies(db)).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM import_jobs').get()).toEqual({ n: 0 });

    const broken = mkdtempSync(join(tmpdir(), 'ecg-all-fail-'));
    writeFileSync(join(broken, 'lost.hea'), 'lost 1 100 1000\nlost.dat 16 1000/mV 16 0 0 0 0 I\n');
    writeFileSync(join(broken, 'gone.hea'), 'gone 1 100 1000\ngone.dat 16 1000/mV 16 0 0 0 0 I\n');
    writeFileSync(join(broken, 'notes.txt'), 'not an ECG');
    const failed = await startImport(db, { inputs: [broken], study: 'Broken', model }).done;
    expect(failed.failed).toHaveLength(2);
    expect(failed.nothingImported!.message).toBe(
      `Nothing imported from ${broken}: all 2 files that looked like ECGs failed; 1 other file was skipped; study “Broken” was not created.`,
    );
    expect(
      failed
        .nothingImported!.problems.filter((p) => p.outcome === 'failed')
        .map((p) => basename(p.path))
        .sort(),
    ).toEqual(['gone.hea', 'lost.hea']);
    expect(listStudies(db)).toEqual([]);

    // a study that already holds records keeps them, and an import of nothing into it leaves it as it was
    const kept = await startImport(db, { inputs: subset().slice(0, 1), study: 'Kept', model }).done;
    const again = await startImport(db, { inputs: [notes], study: 'Kept', model }).done;
    expect(again.nothingImported).toMatchObject({ studyRemoved: false, message: expect.stringContaining('study “Kept” is unchanged') });
    expect(listStudies(db).map((s) => [s.name, s.records])).toEqual([['Kept', 1]]);
    expect(fileOutcomes(db, again.jobId)).toHaveLength(2);
    expect(kept.nothingImported).toBeNull();
    db.close();
  });

  it('reports progress, pauses, resumes, and a cancelled job resumes without repeating work', async () => {
    const db = freshDb();
    const files = subset();
    const seen: ImportProgress[] = [];
    let onPaused!: () => void;
    const paused = new Promise<void>((resolve) => (onPaused = resolve));
    const task = startImport(db, {
      inputs: files,
      study: 'p',
      model,
      chunkRecords: 2,
      onProgress: (p) => {
        seen.push(p);
        if (p.phase === 'paused') onPaused();
      },
    });
    task.pause();
    // waits for the task to reach its pause (after the chunk in flight), however slow the machine
    await paused;
    expect(task.progress.phase).toBe('paused');
    const pausedAt = task.progress.imported;
    task.cancel();
    const first = await task.done;
    expect(first.status).toBe('cancelled');
    // nothing was imported between the pause and the cancel
    expect(first.imported).toBe(pausedAt);
    expect(first.imported).toBeLessThan(files.length);
    const second = await startImport(db, { inputs: files, study: 'p', model, chunkRecords: 2, onProgress: (p) => seen.push(p) }).done;
    expect(second).toMatchObject({ jobId: first.jobId, resumed: true, status: 'completed', imported: files.length, duplicates: 0 });
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({ phase: 'completed', filesDone: files.length, filesTotal: files.length, imported: files.length });
    expect(seen.some((p) => p.phase === 'importing' && p.etaS !== null && p.ratePerS > 0)).toBe(true);
    db.close();
  });

  it('refuses to run on a path that does not exist', async () => {
    const db = freshDb();
    await expect(startImport(db, { inputs: ['/no/such/folder'], study: 'x', model }).done).rejects.toThrow(ImportInputError);
    db.close();
  });
});

describe('two imports of the same job at once', () => {
  it('share the work: every record stored once, every file one outcome', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ecg-import-')), 'audit.sqlite');
    const dir = join(sharedDataDir(), 'ptbxl/records100/00000');
    const files = readdirSync(dir)
      .sort()
      .slice(0, 40)
      .map((f) => join(dir, f));
    const a = openStore(path);
    const b = openStore(path);
    const [sa, sb] = await Promise.all([
      startImport(a, { inputs: files, study: 'twice', model, chunkRecords: 4 }).done,
      startImport(b, { inputs: files, study: 'twice', model, chunkRecords: 4 }).done,
    ]);
    expect(sa.jobId).toBe(sb.jobId);
    const outcomes = fileOutcomes(a, sa.jobId);
    expect(outcomes.map((o) => o.path)).toEqual(files);
    expect(outcomes.filter((o) => o.outcome === 'imported')).toHaveLength(20);
    expect(a.prepare('SELECT COUNT(*) AS n FROM records').get()).toEqual({ n: 20 });
    expect(a.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 20 });
    a.close();
    b.close();
  });
});
