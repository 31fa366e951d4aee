import { z } from 'zod';
import { REASON_CODES, REASON_TEXT, type ReasonCode } from '../reasonCodes.ts';
import { endpoint } from './contract.ts';

export { REASON_CODES, REASON_TEXT, type ReasonCode };

const rater = z.object({ id: z.string(), displayName: z.string(), createdAt: z.string() });
export type RaterDto = z.infer<typeof rater>;

export const labelTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('region'), regionId: z.number().int() }),
  z.object({
    kind: z.literal('drawn-region'),
    recordId: z.number().int(),
    className: z.string().min(1),
    lead: z.string().min(1),
    startSample: z.number().int().nonnegative(),
    endSample: z.number().int().positive(),
  }),
  z.object({ kind: z.literal('plausible'), recordId: z.number().int() }),
  z.object({ kind: z.literal('agree-class'), recordId: z.number().int(), className: z.string().min(1) }),
]);
export type LabelTargetDto = z.infer<typeof labelTarget>;

/** `withdrawn` withdraws the rater's current label on the target: the target has no judgement any more. */
const labelValue = z.enum(['valid', 'not_valid', 'unsure', 'yes', 'partly', 'no', 'withdrawn']);
export type LabelValueDto = z.infer<typeof labelValue>;

const label = z.object({
  id: z.string(),
  raterId: z.string(),
  raterName: z.string(),
  createdAt: z.string(),
  recordId: z.number().int(),
  targetKind: z.enum(['region', 'drawn-region', 'plausible', 'agree-class']),
  targetKey: z.string(),
  regionId: z.number().int().nullable(),
  className: z.string().nullable(),
  lead: z.string().nullable(),
  startSample: z.number().int().nullable(),
  endSample: z.number().int().nullable(),
  value: labelValue,
  reasons: z.array(z.enum(REASON_CODES)),
  note: z.string(),
  scale: z.enum(['per-record', 'fixed']).nullable(),
  supersedes: z.string().nullable(),
});
export type LabelDto = z.infer<typeof label>;

const blinding = z.object({
  /** Raters see only their own labels; the server enforces it. */
  blinded: z.boolean(),
  /** The viewer hides the model's probabilities. */
  hideProbability: z.boolean(),
  /** The viewer and worklist keep the reference diagnoses (PTB-XL, CinC, LUDB) from raters. */
  hideReference: z.boolean(),
});
export type BlindingDto = z.infer<typeof blinding>;

export const labelsApi = {
  'labels.raters': endpoint(z.object({}).strict(), z.array(rater)),
  'labels.createRater': endpoint(z.object({ displayName: z.string().trim().min(1).max(100) }).strict(), rater),
  /** Current labels on a record (withdrawn ones are left out): in a blinded study only the caller's own. */
  'labels.current': endpoint(
    z.object({ recordId: z.number().int(), raterId: z.string().min(1) }).strict(),
    z.object({ blinded: z.boolean(), labels: z.array(label) }),
  ),
  /**
   * Appends a label; it supersedes the rater's current label on the same target (nothing is ever deleted).
   * The value `withdrawn` (no reasons) takes the target back to unlabelled; it needs a label to withdraw.
   */
  'labels.append': endpoint(
    z
      .object({
        raterId: z.string().min(1),
        target: labelTarget,
        value: labelValue,
        reasons: z.array(z.enum(REASON_CODES)).default([]),
        note: z.string().max(4000).default(''),
        scale: z.enum(['per-record', 'fixed']).nullable().default(null),
      })
      .strict(),
    label,
  ),
  'labels.blinding': endpoint(z.object({ studyId: z.number().int() }).strict(), blinding),
  /** hideReference may be left out: it then stays as it is. */
  'labels.setBlinding': endpoint(
    z.object({ studyId: z.number().int() }).extend(blinding.shape).extend({ hideReference: z.boolean().optional() }).strict(),
    blinding,
  ),
};
