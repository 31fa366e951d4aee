/**
 * report.pdf is report.html printed by a browser engine. The core takes the printer as a function so each
 * adapter brings its own: Chromium through playwright-core here (CLI, browser mode, tests), Electron's
 * webContents.printToPDF in the desktop app.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { ReportError } from './errors.ts';

/** Prints a self-contained HTML page to PDF bytes (A4, backgrounds on). */
export type PdfRenderer = (html: string) => Promise<Uint8Array>;

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium in browser mode; every network request is refused, so the page prints exactly as stored. */
export function chromiumPdfRenderer(executablePath = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM): PdfRenderer {
  return async (html) => {
    if (!existsSync(executablePath)) {
      throw new ReportError(
        'pdf-failed',
        `${executablePath}: Chromium not found (install it, set CHROMIUM_PATH, or skip the PDF with --no-pdf)`,
      );
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
    } finally {
      await browser.close();
    }
  };
}

export async function writePdf(renderer: PdfRenderer, html: string, outPath: string): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await renderer(html);
  } catch (err) {
    if (err instanceof ReportError) throw err;
    throw new ReportError('pdf-failed', `${outPath}: printing the report to PDF failed (${(err as Error).message.split('\n')[0]})`);
  }
  await writeFile(outPath, bytes);
}
