import { z } from 'zod';
import { REASON_CODES, REASON_TEXT, type ReasonCode } from '../reasonCodes.ts';
import { endpoint } from './contract.ts';

export { REASON_CODES, REASON_TEXT, type ReasonCode };

const rater = z.object({
  id: z.string(),
  displayName: z.string(),
  createdAt: z.string(),
  /** The name is protected by a passphrase: acting as this rater needs a session from `labels.signIn`. */
  protected: z.boolean(),
});
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

const studySettings = z.object({
  /** Raters see only their own labels; the server enforces it. */
  blinded: z.boolean(),
  /** Raters see neither the model's probabilities nor its predicted classes (viewer and worklist). */
  hideProbability: z.boolean(),
  /** Raters do not see the reference (dataset) diagnoses. */
  hideReference: z.boolean(),
});

const blinding = studySettings.extend({
  /**
   * Who may change these settings: null until someone sets them (that rater becomes the owner). Blinding a
   * study, and changing a blinded one, needs an owner whose name is protected by a passphrase.
   */
  owner: z.object({ id: z.string(), name: z.string(), isMe: z.boolean() }).nullable(),
});
export type BlindingDto = z.infer<typeof blinding>;
export type StudySettingsDto = z.infer<typeof studySettings>;

/** A passphrase shorter than this protects nothing against someone who tries a few at the keyboard. */
export const MIN_PASSPHRASE_CHARS = 8;

export const labelsApi = {
  'labels.raters': endpoint(z.object({}).strict(), z.array(rater)),
  'labels.createRater': endpoint(z.object({ displayName: z.string().trim().min(1).max(100) }).strict(), rater),
  /**
   * Checks a protected rater's passphrase and returns a session token; the adapters send it with every later
   * call (IPC argument, HTTP header), and calls naming this rater are refused without it. Wrong passphrases
   * are counted per rater and, past a few, each further try waits.
   */
  'labels.signIn': endpoint(
    z.object({ raterId: z.string().min(1), passphrase: z.string().min(1).max(1000) }).strict(),
    z.object({ session: z.string() }),
  ),
  /** Ends the session (the token stops working). */
  'labels.signOut': endpoint(z.object({ session: z.string().min(1) }).strict(), z.object({})),
  /**
   * Protects the rater's name with a passphrase (only a salted scrypt hash is stored), or changes it from a
   * session of theirs; returns a session, and ends the rater's other sessions.
   */
  'labels.setPassphrase': endpoint(
    z.object({ raterId: z.string().min(1), passphrase: z.string().min(MIN_PASSPHRASE_CHARS).max(1000) }).strict(),
    z.object({ session: z.string() }),
  ),
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
  /** The study's settings for raters, and whether the caller (`raterId`) owns them. */
  'labels.blinding': endpoint(z.object({ studyId: z.number().int(), raterId: z.string().min(1) }).strict(), blinding),
  /**
   * Changes the study's settings: only its owner may (else `unauthorized`); the first rater to set them
   * becomes the owner. A rater cannot unblind themselves. Blinding needs the caller's name protected by a
   * passphrase (`labels.setPassphrase`), else `unauthorized`.
   */
  'labels.setBlinding': endpoint(
    z
      .object({ studyId: z.number().int(), raterId: z.string().min(1) })
      .extend(studySettings.shape)
      // hideReference may be left out: it then stays as it is
      .extend({ hideReference: z.boolean().optional() })
      .strict(),
    blinding,
  ),
};
