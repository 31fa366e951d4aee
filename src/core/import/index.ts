export {
  startImport,
  ImportTask,
  type ImportModel,
  type ImportPhase,
  type ImportProgress,
  type ImportRequest,
  type ImportSummary,
  type NothingImported,
  type PredictBatch,
} from './importer.ts';
export { ImportInputError } from './files.ts';
export { errorReportCsv, problemsCsv } from './report.ts';
