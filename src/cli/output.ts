/** An error the CLI reports as one line on stderr, with the exit code it deserves. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Machine output: exactly one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A progress line on stderr that redraws in place on a terminal and prints sparse lines otherwise. */
export class ProgressBar {
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number, detail = ''): void {
    const now = Date.now();
    const finished = done >= total;
    if (!finished && now - this.lastDraw < (this.stream.isTTY ? 100 : 2000)) return;
    this.lastDraw = now;
    const elapsedS = (now - this.started) / 1000;
    const rate = elapsedS > 0 ? done / elapsedS : 0;
    const etaS = rate > 0 ? (total - done) / rate : Number.NaN;
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const eta = Number.isFinite(etaS) ? `ETA ${etaS.toFixed(0)}s` : '';
    const line = `${this.label} [${bar}] ${done}/${total} ${rate.toFixed(1)}/s ${eta} ${detail}`.trimEnd();
    this.stream.write(this.stream.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
    if (finished && this.stream.isTTY) this.stream.write('\n');
  }
}
