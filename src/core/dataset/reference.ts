/**
 * Reference diagnoses that datasets carry beside or inside their records, with the five PTB-XL superclasses they
 * map to:
 * - PTB-XL: `ptbxl_database.csv` beside or above the record (or a given file), `scp_statements.csv` beside it;
 *   superclasses exactly as training/data.py aggregates them: every scp_code of the record (any likelihood) with
 *   diagnostic == 1 contributes its diagnostic_class. Found by the record's path, so before it is read.
 * - PhysioNet/CinC 2020: the header's `#Dx` SNOMED CT codes (superclassMaps.ts).
 * - LUDB: the record's row of `ludb.csv` beside or above it (superclassMaps.ts).
 * Only codes, statement text and superclasses are kept: never the patient, age, sex, dates or free-text reports.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parseCsvRows } from '../formats/csvText.ts';
import { findUp, parseScpCodes } from '../formats/datasetMetadata.ts';
import { isFile } from '../formats/io.ts';
import type { EcgRecord } from '../formats/record.ts';
import { LUDB_RULES, SNOMED_LEFT_OUT, SNOMED_SUPERCLASS } from './superclassMaps.ts';

export const SUPERCLASSES = ['NORM', 'MI', 'STTC', 'CD', 'HYP'] as const;
export type Superclass = (typeof SUPERCLASSES)[number];

export interface ReferenceCode {
  system: 'scp-ecg' | 'snomed-ct' | 'ludb';
  code: string;
  text?: string;
  likelihood?: number;
  /** The superclass this code maps to, if any. */
  superclass?: Superclass;
  /** Why the code maps to no superclass (for codes a reader might expect to map). */
  leftOut?: string;
}

export interface ReferenceDiagnosis {
  source: 'ptb-xl' | 'cinc' | 'ludb';
  codes: ReferenceCode[];
  /** The superclasses the record has (sorted in model order). */
  superclasses: Superclass[];
  /** Classes the source cannot decide for this record: neither positive nor negative in an evaluation. */
  undetermined: Superclass[];
  /** PTB-XL strat_fold. */
  fold?: number;
}

/** A record the source lists but that cannot be a reference (PTB-XL without a diagnostic superclass). */
export interface ReferenceRefusal {
  refused: string;
  fold?: number;
}

function ordered(classes: Iterable<Superclass>): Superclass[] {
  const set = new Set(classes);
  return SUPERCLASSES.filter((c) => set.has(c));
}

interface PtbxlRow {
  ecgId: string;
  fold: number;
  scpCodes: string;
}

interface PtbxlTable {
  file: string;
  /** filename_lr and filename_hr (records100/00000/00001_lr) -> row. */
  rows: Map<string, PtbxlRow>;
  statements: Map<string, { description: string; diagnosticClass: string }>;
}

function csvTable(path: string): { header: string[]; rows: string[][] } {
  const [header = [], ...rows] = parseCsvRows(readFileSync(path, 'utf8'));
  return { header, rows };
}

export class ReferenceError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ReferenceError';
  }
}

function loadPtbxl(database: string): PtbxlTable {
  const db = csvTable(database);
  const col = (name: string): number => {
    const i = db.header.indexOf(name);
    if (i < 0) throw new ReferenceError(database, `no "${name}" column: not a PTB-XL ptbxl_database.csv`);
    return i;
  };
  const [id, fold, scp, lr, hr] = ['ecg_id', 'strat_fold', 'scp_codes', 'filename_lr', 'filename_hr'].map(col) as number[];
  const rows = new Map<string, PtbxlRow>();
  for (const r of db.rows) {
    const row = { ecgId: r[id!] ?? '', fold: Number(r[fold!]), scpCodes: r[scp!] ?? '' };
    if (r[lr!]) rows.set(r[lr!]!, row);
    if (r[hr!]) rows.set(r[hr!]!, row);
  }
  const statementsFile = join(dirname(database), 'scp_statements.csv');
  if (!isFile(statementsFile)) throw new ReferenceError(database, 'scp_statements.csv is not beside it (needed for the superclasses)');
  const st = csvTable(statementsFile);
  const desc = st.header.indexOf('description');
  const diag = st.header.indexOf('diagnostic');
  const cls = st.header.indexOf('diagnostic_class');
  if (desc < 0 || diag < 0 || cls < 0) throw new ReferenceError(statementsFile, 'not a PTB-XL scp_statements.csv');
  const statements = new Map<string, { description: string; diagnosticClass: string }>();
  for (const r of st.rows) {
    statements.set(r[0] ?? '', { description: r[desc] ?? '', diagnosticClass: Number(r[diag]) === 1 ? (r[cls] ?? '') : '' });
  }
  return { file: database, rows, statements };
}

/** Finds and caches the reference tables; one per run (evaluate) or per import. */
export class ReferenceResolver {
  private readonly tables = new Map<string, { version: string; value: unknown }>();
  /** Where each folder's table was found (or not): a dataset's records share a few folders. */
  private readonly found = new Map<string, string | undefined>();

  /** `ptbxlDatabase`: use this ptbxl_database.csv for every record instead of looking beside or above it. */
  constructor(private readonly options: { ptbxlDatabase?: string } = {}) {
    if (options.ptbxlDatabase !== undefined && !isFile(resolve(options.ptbxlDatabase))) {
      throw new ReferenceError(resolve(options.ptbxlDatabase), 'no such file');
    }
  }

  private findUp(recordPath: string, fileName: string): string | undefined {
    const key = `${dirname(recordPath)}\n${fileName}`;
    if (!this.found.has(key)) this.found.set(key, findUp(dirname(recordPath), fileName));
    return this.found.get(key);
  }

  private cached<T>(path: string, load: (path: string) => T): T {
    const st = statSync(path);
    const version = `${st.size}:${st.mtimeMs}`;
    const hit = this.tables.get(path);
    if (hit?.version === version) return hit.value as T;
    const value = load(path);
    this.tables.set(path, { version, value });
    return value;
  }

  /**
   * The PTB-XL reference of a record, by its path alone: undefined when no PTB-XL table lists the record (it may
   * still be a CinC or LUDB record), a refusal when it has no diagnostic superclass.
   */
  ptbxl(recordPath: string): ReferenceDiagnosis | ReferenceRefusal | undefined {
    const database = this.options.ptbxlDatabase ? resolve(this.options.ptbxlDatabase) : this.findUp(recordPath, 'ptbxl_database.csv');
    if (!database) return undefined;
    const table = this.cached(database, loadPtbxl);
    // PTB-XL names records by records100/00000/00001_lr: the last three parts of the path, without extension
    const key = recordPath
      .split(sep)
      .slice(-3)
      .join('/')
      .replace(/\.(hea|dat)$/, '');
    const row = table.rows.get(key);
    if (!row) return undefined;
    const codes: ReferenceCode[] = parseScpCodes(row.scpCodes).map(([code, likelihood]) => {
      const s = table.statements.get(code);
      const superclass = SUPERCLASSES.find((c) => c === s?.diagnosticClass);
      return { system: 'scp-ecg', code, text: s?.description, likelihood, ...(superclass ? { superclass } : {}) };
    });
    const superclasses = ordered(codes.flatMap((c) => (c.superclass ? [c.superclass] : [])));
    if (superclasses.length === 0) {
      return { refused: 'PTB-XL record without a diagnostic superclass (dropped, as in training)', fold: row.fold };
    }
    return { source: 'ptb-xl', codes, superclasses, undetermined: [], fold: row.fold };
  }

  /** The reference of a record that has been read: PTB-XL by path, else CinC `#Dx`, else LUDB; undefined if none. */
  forRecord(record: EcgRecord): ReferenceDiagnosis | ReferenceRefusal | undefined {
    return this.ptbxl(record.sourcePath) ?? cincReference(record) ?? this.ludb(record.sourcePath);
  }

  ludb(recordPath: string): ReferenceDiagnosis | undefined {
    const file = this.findUp(recordPath, 'ludb.csv');
    if (!file) return undefined;
    const table = this.cached(file, csvTable);
    const id = basename(recordPath).replace(/\.(hea|dat)$/, '');
    const row = table.rows.find((r) => r[0] === id);
    if (!row) return undefined;
    const codes: ReferenceCode[] = [];
    const positive = new Set<Superclass>();
    const undetermined = new Set<Superclass>(['NORM']);
    table.header.forEach((column, i) => {
      for (const text of (row[i] ?? '').split('\n').map((s) => s.trim().replace(/\.$/, ''))) {
        if (text === '' || !LUDB_COLUMNS.has(column)) continue;
        const rule = LUDB_RULES.find((r) => r.column === column && text.startsWith(r.prefix))?.rule;
        const code: ReferenceCode = { system: 'ludb', code: `${column}: ${text}`, text };
        if (rule && 'superclass' in rule) {
          code.superclass = rule.superclass;
          positive.add(rule.superclass);
        } else if (rule && 'undetermined' in rule) {
          code.leftOut = rule.reason;
          for (const c of rule.undetermined) undetermined.add(c);
        } else code.leftOut = rule?.leftOut ?? 'rhythm, axis, ectopy, pacing or other: no PTB-XL diagnostic statement';
        codes.push(code);
      }
    });
    for (const c of positive) undetermined.delete(c);
    return { source: 'ludb', codes, superclasses: ordered(positive), undetermined: ordered(undetermined) };
  }
}

/** ludb.csv's diagnosis columns (ID, Sex and Age are not diagnoses and are never kept). */
const LUDB_COLUMNS = new Set([
  'Rhythms',
  'Electric axis of the heart',
  'Conduction abnormalities',
  'Extrasystolies',
  'Hypertrophies',
  'Cardiac pacing',
  'Ischemia',
  'Non-specific repolarization abnormalities',
  'Other states',
]);

export function cincReference(record: Pick<EcgRecord, 'clinical'>): ReferenceDiagnosis | undefined {
  const dx = (record.clinical.diagnoses ?? []).filter((d) => d.system === 'snomed-ct');
  if (dx.length === 0) return undefined;
  const codes: ReferenceCode[] = [...new Set(dx.map((d) => d.code))].map((code) => {
    const mapped = SNOMED_SUPERCLASS[code];
    return mapped
      ? { system: 'snomed-ct', code, text: mapped.name, superclass: mapped.superclass }
      : { system: 'snomed-ct', code, leftOut: SNOMED_LEFT_OUT[code] ?? 'no PTB-XL diagnostic statement' };
  });
  return {
    source: 'cinc',
    codes,
    superclasses: ordered(codes.flatMap((c) => (c.superclass ? [c.superclass] : []))),
    undetermined: ['NORM'],
  };
}

export function isRefusal(r: ReferenceDiagnosis | ReferenceRefusal | undefined): r is ReferenceRefusal {
  return r !== undefined && 'refused' in r;
}
