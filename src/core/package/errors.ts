/** Machine-readable reason a package operation refused; the message always names the file and the problem. */
export type PackageProblem =
  /** Not an SQLite file, not an audit package, or a package of the wrong kind for the operation. */
  | 'not-a-package'
  /** Truncated or otherwise damaged: SQLite's integrity check or the reader failed. */
  | 'corrupt'
  /** The content hash in the manifest does not match the content: edited after export. */
  | 'tampered'
  /** Labels made against another model or other records than the target database holds. */
  | 'mismatch'
  /** The same label or rater id with different content on the two sides. */
  | 'conflict'
  /** Labels in a rater's name not signed by that rater's key, or a rater arriving with another key. */
  | 'forged'
  /** A `-wal` or `-journal` file lies beside the package: it is open, or was not closed, and may hold labels. */
  | 'not-single-file'
  | 'not-found'
  | 'invalid'
  | 'io';

export class PackageError extends Error {
  readonly problem: PackageProblem;

  constructor(problem: PackageProblem, message: string) {
    super(message);
    this.name = 'PackageError';
    this.problem = problem;
  }
}
