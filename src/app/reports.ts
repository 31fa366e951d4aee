import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Report } from '../core/report/build.ts';
import { ReportError } from '../core/report/errors.ts';
import { generateReport } from '../core/report/generate.ts';
import { chromiumPdfRenderer } from '../core/report/pdf.ts';
import { ApiError } from '../shared/api/contract.ts';
import type { ReportSummaryDto } from '../shared/api/reports.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';
import { appPool } from './inference.ts';
import { appStore, asApiErrors } from './records.ts';

/** A folder name from the study name and the time, so reports never overwrite each other. */
function reportFolder(ctx: AppContext, study: string, now: Date): string {
  const safe = study.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'study';
  return join(dirname(ctx.dbPath), 'reports', `${safe}-${now.toISOString().replace(/[:.]/g, '-')}`);
}

export function summarizeReport(report: Report): ReportSummaryDto {
  const ir = report.agreement.interRater;
  const f = report.faithfulness;
  return {
    study: report.study.name,
    modelId: report.model?.id ?? null,
    generatedAt: report.generatedAt,
    deidentified: report.deidentified,
    counts: report.counts,
    agreement: [
      { target: 'evidence regions', summary: ir.regions },
      { target: 'record plausibility', summary: ir.plausible },
      { target: 'agreement with a class', summary: ir.agreeClass },
    ].map(({ target, summary }) => ({
      target,
      units: summary.units,
      percentAgreement: summary.percentAgreement,
      fleissKappa: summary.fleissKappa,
      krippendorffAlpha: summary.krippendorffAlpha,
    })),
    regionsByClass: report.agreement.regionShares.byClass.map((r) => ({
      group: r.group,
      labels: r.total,
      validShare: r.shares.valid?.share ?? null,
      ci: r.shares.valid?.ci ?? null,
    })),
    faithfulness: f
      ? {
          recordsEvaluated: f.recordsEvaluated,
          completenessMax: f.exactness.recomputed.max,
          curves: f.curves.map((c) => ({
            order: c.order,
            records: c.records,
            deletionAucMedian: c.deletionAuc.median,
            insertionAucMedian: c.insertionAuc.median,
          })),
          msPerRecord: f.deletionInsertionMsPerRecord,
        }
      : null,
    faithfulnessNote: report.faithfulnessNote,
  };
}

export function reportsHandlers(ctx: AppContext): Handlers<'reports.generate'> {
  return {
    'reports.generate': (req) =>
      asApiErrors(async () => {
        const now = new Date();
        const outDir = reportFolder(ctx, req.study, now);
        try {
          const { files, report } = await generateReport(appStore(ctx), {
            outDir,
            study: req.study,
            modelsDir: ctx.modelsDir,
            // the report's model runs go to the pool's batch lane, off the thread that answers API calls
            runner: (modelId) => appPool(ctx, modelId),
            settings: {
              faithfulness: req.faithfulness,
              includeIdentifiers: req.includeIdentifiers,
              bootstrapResamples: req.bootstrapResamples,
              faithfulnessMaxRecords: req.faithfulnessMaxRecords,
            },
            pdf: req.pdf ? (ctx.pdfRenderer ?? chromiumPdfRenderer()) : null,
            now: () => now,
          });
          return {
            outDir,
            files: files.map((path) => ({ name: basename(path), path, bytes: statSync(path).size })),
            summary: summarizeReport(report),
          };
        } catch (err) {
          if (err instanceof ReportError) {
            const code = err.problem === 'not-found' ? 'not-found' : err.problem === 'bad-options' ? 'bad-request' : 'internal';
            throw new ApiError(code, err.message);
          }
          throw err;
        }
      }),
  };
}
