/**
 * The hard limits every reader applies, right after a header is parsed and before the samples are allocated,
 * so that a corrupt or hostile header (0.01 Hz, a billion samples) is refused in one line instead of growing
 * the process for minutes.
 *
 * Two kinds of limit:
 * - use limits (sampling rate 50-20,000 Hz, duration up to 10 minutes of resting ECG): what import, predict
 *   and the viewer accept. `inspect` reads with `limits: 'describe'`, which reports a breach as a warning
 *   instead of refusing, so a long Holter-like record can still be described;
 * - the memory budget (leads x samples): always enforced, whatever the use, because it bounds what a
 *   reader allocates. A refusal carries the header-level facts (EcgLimitError.facts) so `inspect` can still
 *   print them without reading the signal.
 */
import { EcgFormatError } from './errors.ts';
import type { EcgRecord, FormatId } from './record.ts';
import type { ReadInput } from './reader.ts';

export const MIN_SAMPLING_RATE_HZ = 50;
export const MAX_SAMPLING_RATE_HZ = 20_000;
export const MAX_DURATION_S = 600;
/** The most samples one lead may have at the use limits: 10 minutes at 20 kHz. */
export const MAX_SAMPLES_PER_LEAD = MAX_DURATION_S * MAX_SAMPLING_RATE_HZ;
/**
 * Stored leads x samples per lead any reader allocates. A sample costs 8 bytes in an EcgRecord (float32 mV and
 * the int32 it was stored as), up to 8 more for derived limb leads, next to a file of up to 256 MB: 24 M samples
 * keeps the worst legal input under 1 GB (tests/formats/limits.test.ts measures it). A resting ECG has 60 k;
 * 12 leads x 10 min x 3.3 kHz or 2 leads x 10 min x 20 kHz still fit.
 */
export const MAX_TOTAL_SAMPLES = 24_000_000;

export type LimitMode = 'enforce' | 'describe';

/** What a header says about the record's size; any part may be unknown at the point of the check. */
export interface HeaderFacts {
  format: FormatId;
  samplingRateHz?: number;
  samplesPerLead?: number;
  /** Signals (leads and other channels) whose samples the reader will hold. */
  channels?: number;
}

export class EcgLimitError extends EcgFormatError {
  readonly facts: HeaderFacts;

  constructor(file: string, detail: string, facts: HeaderFacts) {
    super(file, 'over-limit', detail);
    this.name = 'EcgLimitError';
    this.facts = facts;
  }
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

/** The first use limit the facts break, in words, or undefined. */
function useLimitBreach(facts: HeaderFacts, what: string): string | undefined {
  const { samplingRateHz: hz, samplesPerLead: n } = facts;
  if (hz !== undefined && !(hz >= MIN_SAMPLING_RATE_HZ && hz <= MAX_SAMPLING_RATE_HZ)) {
    return `${what} ${fmt(hz)} Hz is outside the ${MIN_SAMPLING_RATE_HZ}-${MAX_SAMPLING_RATE_HZ} Hz limit`;
  }
  if (hz !== undefined && n !== undefined && n / hz > MAX_DURATION_S) {
    return `duration ${fmt(n / hz)} s (${n} samples at ${fmt(hz)} Hz) is over the ${MAX_DURATION_S} s limit`;
  }
  return undefined;
}

/**
 * Checks what a header declares, before the samples are allocated. `what` names the field the rate came from
 * (e.g. "multiplex group 1 sampling frequency"). A rate that is not a positive number is a bad value, not a
 * limit: no reading mode can make sense of it.
 */
export function checkHeaderLimits(input: Pick<ReadInput, 'path' | 'options'>, facts: HeaderFacts, what = 'sampling rate'): void {
  const { path } = input;
  const hz = facts.samplingRateHz;
  if (hz !== undefined && !(Number.isFinite(hz) && hz > 0)) {
    throw new EcgFormatError(path, 'bad-value', `${what} ${hz} Hz is not a usable ECG sampling rate`);
  }
  const { samplesPerLead: n, channels } = facts;
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) {
    throw new EcgFormatError(path, 'bad-value', `${n} samples per lead is not a usable count`);
  }
  // the use limits first: "0.01 Hz" says more about a broken header than the sample count it leads to
  const breach = input.options.limits === 'describe' ? undefined : useLimitBreach(facts, what);
  if (breach) throw new EcgLimitError(path, breach, facts);
  if (n !== undefined && n * (channels ?? 1) > MAX_TOTAL_SAMPLES) {
    const total = channels === undefined || channels === 1 ? `${n} samples` : `${channels} signals x ${n} samples`;
    throw new EcgLimitError(path, `${total} is over the ${MAX_TOTAL_SAMPLES}-sample limit for one record`, facts);
  }
}

/** In describe mode, the use limits a record breaks, as warnings; nothing in enforce mode (it was refused). */
export function describeLimitBreach(record: EcgRecord): string | undefined {
  const breach = useLimitBreach(
    { format: record.format, samplingRateHz: record.samplingRateHz, samplesPerLead: record.samplesPerLead },
    'sampling rate',
  );
  return breach && `beyond the limits of import, predict and the viewer: ${breach}`;
}
