/**
 * The one in-memory model of an ECG recording that every reader produces and every later layer consumes.
 * Readers never throw anything but EcgFormatError (see errors.ts).
 */

export const STANDARD_LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;
export type StandardLead = (typeof STANDARD_LEADS)[number];

export type FormatId =
  'wfdb' | 'cinc-mat' | 'edf' | 'csv' | 'muse-xml' | 'philips-xml' | 'hl7-aecg' | 'dicom' | 'scp-ecg' | 'cardiology-xml';

export interface Lead {
  /** Standard name when recognised (see leadNames.ts), otherwise the name as stored. */
  name: string;
  /** Physical unit of `mv` after conversion: always 'mV' for ECG leads; the stored unit is kept in storedUnit. */
  unit: 'mV';
  storedUnit: string;
  /** True when computed from other leads (Einthoven/Goldberger), not stored in the file. */
  derived: boolean;
  /** Values in millivolts. NaN marks a sample the file says is missing. */
  mv: Float32Array;
  /** Raw integers as stored (absent for derived leads and float-valued formats). */
  adc?: Int32Array;
  /** ADC units per stored physical unit, and the ADC value of 0 physical units. */
  gain?: number;
  baseline?: number;
}

export type WaveKind = 'P' | 'QRS' | 'T';

/** A delineated wave on one lead; times in seconds from the record start. */
export interface WaveAnnotation {
  lead: string;
  kind: WaveKind;
  onsetS: number;
  peakS: number | null;
  offsetS: number;
  /** Sample indices at the record's sampling rate, kept exact for comparison with reference readers. */
  onsetSample: number;
  peakSample: number | null;
  offsetSample: number;
}

/**
 * The non-identifying fields, by name: an allow-list. Readers put here only what these fields mean; everything
 * else a file says about a person (names, ids, dates of birth, addresses, institutions, people, free comments,
 * unknown header keys) goes to IdentifyingMetadata, which is dropped at import unless asked and never exported.
 */
export interface ClinicalMetadata {
  age?: number;
  sex?: 'male' | 'female' | 'other' | 'unknown';
  heightCm?: number;
  weightKg?: number;
  /** Kept in the researcher's own database; every package shifts it by a per-package random offset. */
  recordedAt?: string;
  /** Diagnostic codes with their system, e.g. SNOMED CT from CinC #Dx or SCP-ECG statements from PTB-XL. */
  diagnoses?: {
    system: 'snomed-ct' | 'scp-ecg' | 'vendor';
    code: string;
    text?: string;
    likelihood?: number;
    /** The code's diagnostic superclass where the dataset defines one (PTB-XL: NORM, MI, STTC, CD, HYP). */
    diagnosticClass?: string;
  }[];
  /** Diagnostic statements in words from a cardiologist or a dataset (LUDB, PTB-XL reports). */
  statements?: string[];
  /** The acquiring machine's own statements, verbatim. */
  machineStatements?: string[];
  measurements?: Record<string, number | string>;
  medications?: string[];
  device?: string;
  /** Acquisition and sampling details of the device (software version, filters), never about the person. */
  acquisition?: Record<string, string>;
}

/** Fields that identify a person; kept apart so the store can drop or pseudonymise them. */
export interface IdentifyingMetadata {
  name?: string;
  patientId?: string;
  birthDate?: string;
  other?: Record<string, string>;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isString);

/**
 * The allow-list applied to a clinical object of any origin (a reader, an older database row): only the named
 * fields, of the right types, survive. The store writes and the packages export nothing else.
 */
export function allowedClinical(value: unknown): ClinicalMetadata {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const out: ClinicalMetadata = {};
  if (isNumber(c.age)) out.age = c.age;
  if (c.sex === 'male' || c.sex === 'female' || c.sex === 'other' || c.sex === 'unknown') out.sex = c.sex;
  if (isNumber(c.heightCm)) out.heightCm = c.heightCm;
  if (isNumber(c.weightKg)) out.weightKg = c.weightKg;
  if (isString(c.recordedAt)) out.recordedAt = c.recordedAt;
  if (Array.isArray(c.diagnoses)) {
    out.diagnoses = (c.diagnoses as Record<string, unknown>[])
      .filter((d) => (d.system === 'snomed-ct' || d.system === 'scp-ecg' || d.system === 'vendor') && isString(d.code))
      .map((d) => ({
        system: d.system as 'snomed-ct' | 'scp-ecg' | 'vendor',
        code: d.code as string,
        ...(isString(d.text) ? { text: d.text } : {}),
        ...(isNumber(d.likelihood) ? { likelihood: d.likelihood } : {}),
        ...(isString(d.diagnosticClass) ? { diagnosticClass: d.diagnosticClass } : {}),
      }));
  }
  for (const key of ['statements', 'machineStatements', 'medications'] as const) {
    const v = c[key];
    if (Array.isArray(v) && v.every(isString)) out[key] = v;
  }
  if (typeof c.measurements === 'object' && c.measurements !== null && !Array.isArray(c.measurements)) {
    const m = Object.entries(c.measurements).filter(([, v]) => isString(v) || isNumber(v));
    if (m.length > 0) out.measurements = Object.fromEntries(m) as Record<string, number | string>;
  }
  if (isString(c.device)) out.device = c.device;
  if (isStringRecord(c.acquisition)) out.acquisition = c.acquisition;
  return out;
}

export interface EcgRecord {
  format: FormatId;
  /** Absolute path of the file the record was read from (the header for multi-file formats). */
  sourcePath: string;
  /** Every file that contributed bytes (header, signal files, annotations). */
  sourceFiles: string[];
  recordName: string;
  samplingRateHz: number;
  samplesPerLead: number;
  durationS: number;
  /** Standard leads in standard order first, then any others in file order. */
  leads: Lead[];
  annotations: WaveAnnotation[];
  clinical: ClinicalMetadata;
  identifying: IdentifyingMetadata;
  /** Who wrote the file, when the file says so (shown by `inspect`). */
  origin?: { vendor?: string; device?: string; software?: string };
  /** Non-fatal problems (checksum mismatch, derived leads, clipped values). */
  warnings: string[];
  /** Format-specific extras (e.g. MUSE median beats), never needed by inference. */
  extra?: Record<string, unknown>;
}
