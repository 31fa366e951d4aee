/** Machine-readable reason a file could not be read; the message always names the file. */
export type EcgFormatProblem =
  | 'not-found'
  | 'not-a-file'
  | 'empty'
  | 'too-large'
  | 'unknown-format'
  | 'bad-header'
  | 'truncated'
  | 'missing-signal-file'
  | 'unsupported-encoding'
  | 'bad-value'
  | 'inconsistent'
  | 'unsafe-content'
  /** Beyond a hard limit (limits.ts): sampling rate, duration or samples per record. */
  | 'over-limit'
  | 'io';

export class EcgFormatError extends Error {
  readonly file: string;
  readonly problem: EcgFormatProblem;

  constructor(file: string, problem: EcgFormatProblem, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'EcgFormatError';
    this.file = file;
    this.problem = problem;
  }
}
