/** Why a report could not be made; the message names the study, model or file concerned. */
export type ReportProblem = 'not-found' | 'bad-options' | 'no-model' | 'pdf-failed' | 'io';

export class ReportError extends Error {
  constructor(
    readonly problem: ReportProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ReportError';
  }
}
