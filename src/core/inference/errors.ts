/** Machine-readable reason inference could not happen; the message always names the file concerned. */
export type ModelProblem =
  'not-found' | 'bad-manifest' | 'sha256-mismatch' | 'corrupt-model' | 'signature-mismatch' | 'no-provider' | 'run-failed';

export class ModelError extends Error {
  constructor(
    readonly file: string,
    readonly problem: ModelProblem,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ModelError';
  }
}
