import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/core/report/csv.ts';
import { generateReport } from '../../src/core/report/generate.ts';
import { escapeHtml } from '../../src/core/report/html.ts';
import { chromiumPdfRenderer } from '../../src/core/report/pdf.ts';
import { ensureStudy, openStore } from '../../src/core/store/index.ts';
import { repoPath } from '../helpers/sharedData.ts';

describe('writers', () => {
  it('CSV quotes separators, quotes and line breaks, and defuses spreadsheet formulas', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          ['line\nbreak', '=HYPERLINK("x")'],
          [-1.5, null],
        ],
      ),
    ).toBe('a,b\n"x,y","say ""hi"""\n"line\nbreak","\'=HYPERLINK(""x"")"\n-1.5,\n');
  });

  it('HTML escapes text', () => {
    expect(escapeHtml(`<script>alert('x')</script> & "q"`)).toBe('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;');
  });

  it('a study without runs or labels still gets every file, with the gaps stated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecg-report-empty-'));
    const db = openStore(join(dir, 'audit.sqlite'));
    ensureStudy(db, '<b>Empty</b> study');
    const { files, report } = await generateReport(db, { outDir: join(dir, 'out'), pdf: null });
    expect(files).toHaveLength(4);
    expect(report.counts).toMatchObject({ records: 0, raters: 0, labels: 0 });
    expect(report.faithfulnessNote).toMatch(/no model runs/);
    expect(report.agreement.interRater.regions.krippendorffAlpha.estimate).toBeNull();
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('&lt;b&gt;Empty&lt;/b&gt; study');
    expect(html).not.toContain('<b>Empty</b>');
    await expect(
      generateReport(db, { outDir: join(dir, 'out2'), pdf: chromiumPdfRenderer(join(dir, 'no-such-chromium')) }),
    ).rejects.toThrow(/Chromium not found.*; no report was written$/);
    // all or nothing: no half report, and no temporary folder left behind
    expect(readdirSync(dir).sort()).toEqual(['audit.sqlite', 'audit.sqlite-shm', 'audit.sqlite-wal', 'out']);
    db.close();
  });

  it('a disk that fills up mid-report leaves no report at all, and the CLI says so in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecg-report-full-'));
    const db = openStore(join(dir, 'audit.sqlite'));
    ensureStudy(db, 'Full disk');
    // a rollback journal, so that reading the database needs no -shm file (the limit would refuse it too)
    db.pragma('journal_mode = DELETE');
    db.close();
    const report = (out: string, maxKiB?: number) =>
      spawnSync(
        'bash',
        [
          '-c',
          // RLIMIT_FSIZE fails a write past the limit with EFBIG after writing up to it, as a full disk does
          `${maxKiB === undefined ? '' : `ulimit -f ${maxKiB}; `}exec "$0" "$@"`,
          process.execPath,
          repoPath('bin/ecg-audit.mjs'),
          'report',
          '--db',
          join(dir, 'audit.sqlite'),
          '--out',
          out,
          '--no-pdf',
          '--no-faithfulness',
        ],
        { encoding: 'utf8' },
      );
    expect(report(join(dir, 'whole')).status).toBe(0);
    const largest = Math.max(...readdirSync(join(dir, 'whole')).map((f) => statSync(join(dir, 'whole', f)).size));
    const full = report(join(dir, 'full'), Math.floor(largest / 1024));
    expect(full.status).toBe(1);
    // progress lines may come first; the error is one line
    const errors = full.stderr.split('\n').filter((l) => l.startsWith('ecg-audit:'));
    expect(errors).toEqual([expect.stringMatching(/^ecg-audit: .*full\/report\.\w+: cannot write \(.*\); no report was written$/)]);
    expect(readdirSync(dir).filter((f) => f.includes('full'))).toEqual([]);
  });
});
