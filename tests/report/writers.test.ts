import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/core/report/csv.ts';
import { generateReport } from '../../src/core/report/generate.ts';
import { escapeHtml } from '../../src/core/report/html.ts';
import { chromiumPdfRenderer } from '../../src/core/report/pdf.ts';
import { ensureStudy, openStore } from '../../src/core/store/index.ts';

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
    ).rejects.toThrow(/Chromium not found.*the other report files are in/);
    expect(readFileSync(join(dir, 'out2', 'report.html'), 'utf8')).toContain('Empty');
    db.close();
  });
});
