/**
 * The one in-memory model of an ECG recording that every reader produces and every later layer consumes.
 * Readers never throw anything but EcgFormatError (see errors.ts).
 */

export const STANDARD_LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;
export type StandardLead = (typeof STANDARD_LEADS)[number];

export type FormatId = 'wfdb' | 'cinc-mat' | 'edf' | 'csv' | 'muse-xml' | 'philips-xml' | 'hl7-aecg' | 'dicom' | 'scp-ecg';

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

/** Fields a researcher may keep; they do not name the patient. */
export interface ClinicalMetadata {
  age?: number;
  sex?: 'male' | 'female' | 'other' | 'unknown';
  device?: string;
  recordedAt?: string;
  /** Diagnostic codes with their system, e.g. SNOMED CT from CinC #Dx or SCP-ECG statements from PTB-XL. */
  diagnoses?: { system: 'snomed-ct' | 'scp-ecg' | 'vendor'; code: string; text?: string; likelihood?: number }[];
  /** The acquiring machine's own statements/measurements, verbatim. */
  machineStatements?: string[];
  measurements?: Record<string, number | string>;
  /** Any other non-identifying key/value pairs from the file. */
  other?: Record<string, string>;
}

/** Fields that identify a person; kept apart so the store can drop or pseudonymise them. */
export interface IdentifyingMetadata {
  name?: string;
  patientId?: string;
  birthDate?: string;
  other?: Record<string, string>;
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
  /** Non-fatal problems (checksum mismatch, derived leads, clipped values). */
  warnings: string[];
  /** Format-specific extras (e.g. MUSE median beats), never needed by inference. */
  extra?: Record<string, unknown>;
}
