import { z } from 'zod';
import { endpoint } from './contract.ts';

/**
 * The clinical reading aids of a record: heart rate from the QRS complexes the app detects in the signal, and,
 * where the record carries P/QRS/T delineation (LUDB), the delineated waves and the PR/QRS/QT intervals.
 */
const heartRateDto = z.object({
  beats: z.number().int(),
  /** 60 / median RR: the rate of a regular rhythm. */
  medianBpm: z.number(),
  /** Beats per minute from the first to the last beat. */
  averageBpm: z.number(),
  minBpm: z.number(),
  maxBpm: z.number(),
  rrMinS: z.number(),
  rrMaxS: z.number(),
  /** False: the RR intervals spread too widely for one rate to mean anything (show the range). */
  regular: z.boolean(),
});
export type HeartRateDto = z.infer<typeof heartRateDto>;

const waveDto = z.object({
  lead: z.string(),
  kind: z.enum(['P', 'QRS', 'T']),
  /** Seconds from the record start. */
  onsetS: z.number(),
  offsetS: z.number(),
});
export type WaveDto = z.infer<typeof waveDto>;

const intervalsDto = z.object({
  /** Medians over beats, in ms (global: earliest onset to latest offset over the leads); null where no beat has the waves. */
  prMs: z.number().nullable(),
  qrsMs: z.number().nullable(),
  qtMs: z.number().nullable(),
  qtcBazettMs: z.number().nullable(),
  qtcFridericiaMs: z.number().nullable(),
  rrS: z.number().nullable(),
  beats: z.object({ pr: z.number().int(), qrs: z.number().int(), qt: z.number().int() }),
});
export type IntervalsDto = z.infer<typeof intervalsDto>;

export const measurementsDto = z.object({
  /** Detected QRS complexes, seconds from the record start. */
  beatsS: z.array(z.number()),
  /** Null with fewer than three beats; `noRate` then says why. */
  heartRate: heartRateDto.nullable(),
  noRate: z.string().nullable(),
  /** Null when the record carries no delineation. */
  delineation: z.object({ waves: z.array(waveDto), intervals: intervalsDto.nullable() }).nullable(),
});
export type MeasurementsDto = z.infer<typeof measurementsDto>;

export const measurementsApi = {
  'records.measurements': endpoint(z.object({ recordId: z.number().int() }).strict(), measurementsDto),
};
