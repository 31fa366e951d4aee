import { measureIntervals } from '../core/signal/intervals.ts';
import { heartRate } from '../core/signal/heartRate.ts';
import { detectQrs } from '../core/signal/qrs.ts';
import { getRecord } from '../core/store/index.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';
import { appStore, asApiErrors } from './records.ts';

/** Heart rate and intervals of a stored record, computed on request from its signal and delineation (milliseconds). */
export function measurementsHandlers(ctx: AppContext): Handlers<'records.measurements'> {
  return {
    'records.measurements': ({ recordId }) =>
      asApiErrors(() => {
        const r = getRecord(appStore(ctx), recordId);
        const fs = r.samplingRateHz;
        const detection = detectQrs(
          r.leads.map((l) => l.mv),
          fs,
        );
        const rate = heartRate(detection.samples, fs);
        const noRate = rate
          ? null
          : detection.leadsUsed === 0
            ? 'no lead carries a signal'
            : `${detection.samples.length} QRS complex${detection.samples.length === 1 ? '' : 'es'} found: a rate needs three`;
        const waves = r.annotations.map((w) => ({ lead: w.lead, kind: w.kind, onsetS: w.onsetS, offsetS: w.offsetS }));
        return {
          beatsS: detection.samples.map((s) => s / fs),
          heartRate: rate && {
            beats: rate.beats,
            medianBpm: rate.medianBpm,
            averageBpm: rate.averageBpm,
            minBpm: rate.minBpm,
            maxBpm: rate.maxBpm,
            rrMinS: rate.rrMinS,
            rrMaxS: rate.rrMaxS,
            regular: rate.regular,
          },
          noRate,
          delineation: waves.length ? { waves, intervals: measureIntervals(r.annotations) } : null,
        };
      }),
  };
}
