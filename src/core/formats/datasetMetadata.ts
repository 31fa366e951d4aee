/**
 * Metadata that public datasets keep beside the signal files: PTB-XL (`ptbxl_database.csv` + `scp_statements.csv`)
 * and LUDB (`ludb.csv`). Found by walking up from the record's folder; parsed tables are cached per file version.
 */
import { readFileSync, statSync } from 'node:fs';
import { isFile } from './io.ts';
import { basename, dirname, join, relative, sep } from 'node:path';
import { parseCsvRows } from './csvText.ts';
import type { ClinicalMetadata, IdentifyingMetadata } from './record.ts';

export interface DatasetMetadata {
  dataset: 'ptb-xl' | 'ludb';
  /** The CSV files the metadata came from. */
  sourceFiles: string[];
  clinical: ClinicalMetadata;
  identifying: IdentifyingMetadata;
}

const MAX_LEVELS = 4;

/** The nearest fileName in startDir or up to MAX_LEVELS folders above it (dataset tables sit above their records). */
export function findUp(startDir: string, fileName: string): string | undefined {
  let dir = startDir;
  for (let level = 0; level <= MAX_LEVELS; level++) {
    const candidate = join(dir, fileName);
    if (isFile(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

type Table = { header: string[]; rows: string[][] };
const tableCache = new Map<string, { version: string; table: Table }>();

function loadTable(path: string): Table {
  const st = statSync(path);
  const version = `${st.size}:${st.mtimeMs}`;
  const hit = tableCache.get(path);
  if (hit && hit.version === version) return hit.table;
  const [header = [], ...rows] = parseCsvRows(readFileSync(path, 'utf8'));
  const table = { header, rows };
  tableCache.set(path, { version, table });
  return table;
}

function column(table: Table, name: string): number {
  return table.header.indexOf(name);
}

const indexCache = new WeakMap<Table, Map<string, string[]>>();

/** filename_lr and filename_hr -> row, built once per loaded table. */
function ptbxlIndex(db: Table): Map<string, string[]> {
  let index = indexCache.get(db);
  if (!index) {
    const lr = column(db, 'filename_lr');
    const hr = column(db, 'filename_hr');
    index = new Map();
    for (const r of db.rows) {
      if (r[lr]) index.set(r[lr], r);
      if (r[hr]) index.set(r[hr], r);
    }
    indexCache.set(db, index);
  }
  return index;
}

/** PTB-XL: 0 = male, 1 = female. */
const PTBXL_SEX: Record<string, ClinicalMetadata['sex']> = { '0': 'male', '1': 'female' };

/** `{'NORM': 100.0, 'SR': 0.0}` (a Python dict literal) -> [code, likelihood] pairs. */
export function parseScpCodes(text: string): [string, number][] {
  return [...text.matchAll(/'([^']+)'\s*:\s*(-?[\d.]+)/g)].map((m) => [m[1], Number(m[2])]);
}

/** Metadata for a record inside a PTB-XL folder, or undefined when the record is not listed there. */
export async function readPtbxlMetadata(recordPath: string): Promise<DatasetMetadata | undefined> {
  const database = findUp(dirname(recordPath), 'ptbxl_database.csv');
  if (!database) return undefined;
  const root = dirname(database);
  const key = relative(root, recordPath)
    .split(sep)
    .join('/')
    .replace(/\.(hea|dat)$/, '');
  const db = loadTable(database);
  const row = ptbxlIndex(db).get(key);
  if (!row) return undefined;
  const get = (name: string) => {
    const i = column(db, name);
    return i >= 0 ? (row[i] ?? '') : '';
  };
  const statementsPath = join(root, 'scp_statements.csv');
  const statements = new Map<string, { description: string; diagnosticClass: string }>();
  const sourceFiles = [database];
  try {
    const st = loadTable(statementsPath);
    const desc = column(st, 'description');
    const cls = column(st, 'diagnostic_class');
    const diag = column(st, 'diagnostic');
    for (const r of st.rows) {
      statements.set(r[0], { description: r[desc] ?? '', diagnosticClass: Number(r[diag]) === 1 ? (r[cls] ?? '') : '' });
    }
    sourceFiles.push(statementsPath);
  } catch {
    // Without scp_statements.csv the codes still come through, without text or superclasses.
  }
  const codes = parseScpCodes(get('scp_codes'));
  const age = Number(get('age'));
  const recorded = get('recording_date');
  const clinical: ClinicalMetadata = {
    sex: PTBXL_SEX[get('sex')] ?? 'unknown',
    diagnoses: codes.map(([code, likelihood]) => {
      const statement = statements.get(code);
      return {
        system: 'scp-ecg' as const,
        code,
        text: statement?.description,
        likelihood,
        ...(statement?.diagnosticClass ? { diagnosticClass: statement.diagnosticClass } : {}),
      };
    }),
  };
  if (get('age') !== '' && Number.isFinite(age)) clinical.age = age;
  for (const [column, field] of [
    ['height', 'heightCm'],
    ['weight', 'weightKg'],
  ] as const) {
    const v = Number(get(column));
    if (get(column) !== '' && Number.isFinite(v)) clinical[field] = v;
  }
  if (get('device') !== '') clinical.device = get('device').trim();
  if (recorded !== '') clinical.recordedAt = recorded.replace(' ', 'T');
  if (get('report') !== '') clinical.statements = [get('report')];
  // ecg_id and patient_id re-link a record to the dataset's patient; the fold is a dataset row attribute
  const patientId = get('patient_id');
  const identifying: IdentifyingMetadata = { other: { ecgId: get('ecg_id'), stratFold: get('strat_fold') } };
  if (patientId !== '') identifying.patientId = String(Number(patientId));
  return { dataset: 'ptb-xl', sourceFiles, clinical, identifying };
}

/** Metadata for a LUDB record (its `ID` is the record name), or undefined when there is no ludb.csv row. */
export async function readLudbMetadata(recordPath: string): Promise<DatasetMetadata | undefined> {
  const table = findUp(dirname(recordPath), 'ludb.csv');
  if (!table) return undefined;
  const t = loadTable(table);
  const id = basename(recordPath).replace(/\.hea$/, '');
  const row = t.rows.find((r) => r[0] === id);
  if (!row) return undefined;
  // every other ludb.csv column is a diagnostic finding (rhythm, axis, conduction, hypertrophy, ...)
  const clinical: ClinicalMetadata = {};
  const statements: string[] = [];
  t.header.forEach((name, i) => {
    const value = (row[i] ?? '').trim().replace(/\s*\n\s*/g, '; ');
    if (i === 0 || value === '') return;
    if (name === 'Sex') clinical.sex = value === 'F' ? 'female' : value === 'M' ? 'male' : 'unknown';
    else if (name === 'Age' && Number.isFinite(Number(value))) clinical.age = Number(value);
    else statements.push(`${name}: ${value}`);
  });
  if (statements.length > 0) clinical.statements = statements;
  return { dataset: 'ludb', sourceFiles: [table], clinical, identifying: {} };
}
