/**
 * All or nothing: a report's (or a comparison's) files go into a temporary folder beside the output folder and
 * are renamed into place only when every one is complete, so a full disk or a failed PDF never leaves half a
 * set behind.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ReportError } from './errors.ts';
import { type PdfRenderer, writePdf } from './pdf.ts';

export interface StagedFiles {
  text(name: string, content: string): void;
  /** Prints `html` to `name` with the renderer given to writeAllOrNothing. */
  pdf(name: string, html: string): Promise<void>;
}

/**
 * Calls `fill` to write the files, then moves them into `outDir` (which must not exist or be empty). `what`
 * names the set in errors ("report", "comparison"). Returns the files' final paths.
 */
export async function writeAllOrNothing(
  outDir: string,
  what: string,
  renderer: PdfRenderer | null,
  fill: (files: StagedFiles) => Promise<void>,
): Promise<string[]> {
  const out = resolve(outDir);
  let staging: string;
  try {
    mkdirSync(dirname(out), { recursive: true });
    staging = mkdtempSync(join(dirname(out), `.${basename(out)}.partial-`));
  } catch (err) {
    throw new ReportError('io', `${out}: cannot create the output folder (${(err as Error).message})`);
  }
  const nothing = `no ${what} was written`;
  const files: string[] = [];
  try {
    await fill({
      text(name, content) {
        try {
          writeFileSync(join(staging, name), content);
        } catch (err) {
          throw new ReportError('io', `${join(out, name)}: cannot write (${(err as Error).message}); ${nothing}`);
        }
        files.push(join(out, name));
      },
      async pdf(name, html) {
        if (!renderer) throw new Error(`${name}: no PDF renderer`);
        try {
          await writePdf(renderer, html, join(staging, name));
        } catch (err) {
          // name the file where the user will look for it, not the temporary folder
          if (err instanceof ReportError) throw new ReportError(err.problem, `${err.message.split(staging).join(out)}; ${nothing}`);
          throw new ReportError('io', `${join(out, name)}: cannot write (${(err as Error).message}); ${nothing}`);
        }
        files.push(join(out, name));
      },
    });
    publish(staging, out, what);
    return files;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Renames the complete folder into place; an existing output folder must be empty (it is replaced). */
function publish(staging: string, outDir: string, what: string): void {
  try {
    if (readdirSync(outDir).length > 0) {
      throw new ReportError('io', `${outDir}: the folder exists and is not empty; write the ${what} into a new folder`);
    }
    rmdirSync(outDir);
  } catch (err) {
    if (err instanceof ReportError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ReportError('io', `${outDir}: ${(err as Error).message}`);
  }
  try {
    renameSync(staging, outDir);
  } catch (err) {
    throw new ReportError('io', `${outDir}: cannot move the finished ${what} into place (${(err as Error).message})`);
  }
}
