/** Machine-readable reason the store refused; the message always names the database file or the row. */
export type StoreProblem = 'not-sqlite' | 'corrupt' | 'newer-schema' | 'outdated-readonly' | 'io' | 'not-found' | 'invalid' | 'conflict';

export class StoreError extends Error {
  readonly problem: StoreProblem;

  constructor(problem: StoreProblem, message: string) {
    super(message);
    this.name = 'StoreError';
    this.problem = problem;
  }
}
