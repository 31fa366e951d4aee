/**
 * PR, QRS and QT intervals from a record's P/QRS/T delineation (LUDB annotates each of the 12 leads on its own).
 * Measured globally, as 12-lead electrocardiographs do and as the AHA/ACCF/HRS recommendations for the
 * standardisation of the ECG describe (Kligfield et al., Circulation 2007;115:1306-1324): per beat, from the
 * earliest onset in any lead to the latest offset in any lead; then the median over the beats.
 *   PR  = QRS onset - P onset (beats with a P wave before their QRS)
 *   QRS = QRS offset - QRS onset
 *   QT  = T offset - QRS onset (beats with a T wave before the next QRS)
 *   QTc = QT / sqrt(RR) (Bazett) and QT / cbrt(RR) (Fridericia), RR in seconds: the median RR of the delineated beats.
 */
import type { WaveAnnotation, WaveKind } from '../formats/record.ts';

export interface GlobalWave {
  kind: WaveKind;
  /** Seconds from the record start: earliest onset and latest offset over the leads. */
  onsetS: number;
  offsetS: number;
  leads: number;
}

export interface Intervals {
  /** Median over beats, in ms; null where no beat has the waves it needs. */
  prMs: number | null;
  qrsMs: number | null;
  qtMs: number | null;
  rrS: number | null;
  qtcBazettMs: number | null;
  qtcFridericiaMs: number | null;
  /** Beats each figure is the median of. */
  beats: { pr: number; qrs: number; qt: number };
}

/** One wave of a beat across the leads: annotations of one kind that overlap in time (different beats never do). */
export function globalWaves(waves: readonly WaveAnnotation[], kind: WaveKind): GlobalWave[] {
  const of = waves.filter((w) => w.kind === kind).sort((a, b) => a.onsetS - b.onsetS);
  const out: GlobalWave[] = [];
  for (const w of of) {
    const last = out[out.length - 1];
    if (last && w.onsetS <= last.offsetS) {
      last.offsetS = Math.max(last.offsetS, w.offsetS);
      last.leads++;
    } else out.push({ kind, onsetS: w.onsetS, offsetS: w.offsetS, leads: 1 });
  }
  return out;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The intervals of a delineated record; null when it has no delineated QRS complex. */
export function measureIntervals(waves: readonly WaveAnnotation[]): Intervals | null {
  const qrs = globalWaves(waves, 'QRS');
  if (qrs.length === 0) return null;
  const p = globalWaves(waves, 'P');
  const t = globalWaves(waves, 'T');
  const pr: number[] = [];
  const qt: number[] = [];
  qrs.forEach((beat, i) => {
    const before = qrs[i - 1]?.offsetS ?? -Infinity;
    const after = qrs[i + 1]?.onsetS ?? Infinity;
    // the P wave between the previous complex and this one, nearest to this one
    const pWave = p.filter((w) => w.onsetS >= before && w.offsetS <= beat.onsetS).pop();
    if (pWave) pr.push(beat.onsetS - pWave.onsetS);
    const tWave = t.find((w) => w.onsetS >= beat.offsetS && w.offsetS <= after);
    if (tWave) qt.push(tWave.offsetS - beat.onsetS);
  });
  const rr = qrs.slice(1).map((b, i) => b.onsetS - qrs[i]!.onsetS);
  const ms = (s: number | null) => (s === null ? null : s * 1000);
  const qtS = median(qt);
  const rrS = median(rr);
  return {
    prMs: ms(median(pr)),
    qrsMs: ms(median(qrs.map((b) => b.offsetS - b.onsetS))),
    qtMs: ms(qtS),
    rrS,
    qtcBazettMs: qtS !== null && rrS !== null ? ms(qtS / Math.sqrt(rrS)) : null,
    qtcFridericiaMs: qtS !== null && rrS !== null ? ms(qtS / Math.cbrt(rrS)) : null,
    beats: { pr: pr.length, qrs: qrs.length, qt: qt.length },
  };
}
