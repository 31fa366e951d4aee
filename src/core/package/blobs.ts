/**
 * A study package's compressed blobs must inflate to the lengths their rows declare. The content hash cannot
 * tell (a forger recomputes it), so verification inflates every blob with the store's bounded inflate: a
 * decompression bomb is refused before a record is ever opened, without allocating its output.
 */
import { inflateExactly, signalBytes, type StoredLead } from '../store/codec.ts';
import type { Db } from '../store/index.ts';
import { StoreError } from '../store/index.ts';
import { PackageError } from './errors.ts';

function checked(path: string, work: () => void): void {
  try {
    work();
  } catch (err) {
    if (err instanceof StoreError || err instanceof SyntaxError) throw new PackageError('corrupt', `${path}: ${(err as Error).message}`);
    throw err;
  }
}

export function checkBlobs(db: Db, path: string): void {
  const signals = db
    .prepare('SELECT r.pseudonym, r.samples_per_lead, s.leads, s.data FROM signals s JOIN records r ON r.id = s.record_id')
    .iterate() as Iterable<{ pseudonym: string; samples_per_lead: number; leads: string; data: Buffer }>;
  for (const s of signals) {
    const what = `the signal of record ${s.pseudonym}`;
    checked(path, () => inflateExactly(s.data, signalBytes(JSON.parse(s.leads) as StoredLead[], s.samples_per_lead), what));
  }
  const maps = db.prepare('SELECT run_id, class_index, leads, samples, data FROM attribution_maps').iterate() as Iterable<{
    run_id: number;
    class_index: number;
    leads: number;
    samples: number;
    data: Buffer;
  }>;
  for (const m of maps) {
    const what = `attribution map ${m.class_index} of run ${m.run_id}`;
    checked(path, () => inflateExactly(m.data, 2 * m.leads * m.samples, what));
  }
}
