/**
 * Reference diagnoses of PhysioNet/CinC 2020 (SNOMED CT codes in `#Dx`) and LUDB (`ludb.csv`) mapped to the five
 * PTB-XL diagnostic superclasses the model predicts. The rule: a code maps to a superclass when it names the same
 * finding as a PTB-XL SCP statement with `diagnostic == 1` in scp_statements.csv, and takes that statement's
 * diagnostic_class; everything else is left out, with the reason below. Codes and names are from the Challenge's
 * dx_mapping_scored.csv and dx_mapping_unscored.csv (physionetchallenges/evaluation-2020).
 *
 * NORM is never decided from these sources: PTB-XL's NORM is an explicit "normal ECG" statement, CinC 2020 has no
 * SNOMED code for it (426783006 is sinus rhythm, which PTB-XL's SR statement maps to and which abnormal ECGs have
 * too), and LUDB lists findings without a "normal" diagnosis. So NORM is "undetermined" for CinC and LUDB records:
 * they count neither as positives nor as negatives for NORM. For MI, STTC, CD and HYP a code list or diagnosis row
 * is taken as complete: a record without a mapped code is a negative for that class.
 */
import type { Superclass } from './reference.ts';

/** SNOMED CT code -> superclass (the PTB-XL statement it corresponds to in the comment). */
export const SNOMED_SUPERCLASS: Readonly<Record<string, { superclass: Superclass; name: string }>> = {
  // MI: myocardial infarction statements (IMI, ASMI, AMI, ALMI, LMI, PMI, ...)
  '164865005': { superclass: 'MI', name: 'myocardial infarction' },
  '57054005': { superclass: 'MI', name: 'acute myocardial infarction' },
  '54329005': { superclass: 'MI', name: 'anterior myocardial infarction' }, // (AMI)
  '164867002': { superclass: 'MI', name: 'old myocardial infarction' },
  // STTC: ischaemic and non-specific ST/T statements (ISC_, ISCAL, ISCIN, ISCAN, NST_, STTC, LNGQT)
  '164861001': { superclass: 'STTC', name: 'myocardial ischemia' }, // (ISC_)
  '426434006': { superclass: 'STTC', name: 'anterior ischemia' }, // (ISCAN)
  '425419005': { superclass: 'STTC', name: 'inferior ischaemia' }, // (ISCIN)
  '425623009': { superclass: 'STTC', name: 'lateral ischaemia' }, // (ISCLA)
  '413444003': { superclass: 'STTC', name: 'acute myocardial ischemia' },
  '413844008': { superclass: 'STTC', name: 'chronic myocardial ischemia' },
  '428750005': { superclass: 'STTC', name: 'nonspecific st t abnormality' }, // (NST_)
  '55930002': { superclass: 'STTC', name: 's t changes' }, // (STTC)
  '111975006': { superclass: 'STTC', name: 'prolonged qt interval' }, // (LNGQT)
  // CD: conduction disturbances (1AVB, 2AVB, 3AVB, CRBBB, IRBBB, CLBBB, ILBBB, LAFB, LPFB, IVCD, WPW)
  '270492004': { superclass: 'CD', name: '1st degree av block' },
  '195042002': { superclass: 'CD', name: '2nd degree av block' },
  '54016002': { superclass: 'CD', name: 'mobitz type i wenckebach atrioventricular block' },
  '27885002': { superclass: 'CD', name: 'complete heart block' }, // (3AVB)
  '233917008': { superclass: 'CD', name: 'av block' },
  '204384007': { superclass: 'CD', name: 'congenital incomplete atrioventricular heart block' },
  '713427006': { superclass: 'CD', name: 'complete right bundle branch block' },
  '59118001': { superclass: 'CD', name: 'right bundle branch block' }, // (scored as 713427006)
  '713426002': { superclass: 'CD', name: 'incomplete right bundle branch block' },
  '164909002': { superclass: 'CD', name: 'left bundle branch block' },
  '733534002': { superclass: 'CD', name: 'complete left bundle branch block' },
  '251120003': { superclass: 'CD', name: 'incomplete left bundle branch block' },
  '6374002': { superclass: 'CD', name: 'bundle branch block' },
  '445118002': { superclass: 'CD', name: 'left anterior fascicular block' },
  '445211001': { superclass: 'CD', name: 'left posterior fascicular block' },
  '698252002': { superclass: 'CD', name: 'nonspecific intraventricular conduction disorder' }, // (IVCD)
  '82226007': { superclass: 'CD', name: 'diffuse intraventricular block' },
  '74390002': { superclass: 'CD', name: 'wolff parkinson white pattern' },
  // HYP: hypertrophy and atrial overload statements (LVH, RVH, SEHYP, LAO/LAE, RAO/RAE)
  '164873001': { superclass: 'HYP', name: 'left ventricular hypertrophy' },
  '89792004': { superclass: 'HYP', name: 'right ventricular hypertrophy' },
  '266249003': { superclass: 'HYP', name: 'ventricular hypertrophy' },
  '67741000119109': { superclass: 'HYP', name: 'left atrial enlargement' }, // (LAO/LAE)
  '446813000': { superclass: 'HYP', name: 'left atrial hypertrophy' },
  '253352002': { superclass: 'HYP', name: 'left atrial abnormality' },
  '446358003': { superclass: 'HYP', name: 'right atrial hypertrophy' }, // (RAO/RAE)
  '253339007': { superclass: 'HYP', name: 'right atrial abnormality' },
  '195126007': { superclass: 'HYP', name: 'atrial hypertrophy' },
};

/**
 * Codes deliberately left out, by reason (any code in neither list is left out as "not a PTB-XL diagnostic
 * statement" too; these are the ones a reader might expect to map).
 */
export const SNOMED_LEFT_OUT: Readonly<Record<string, string>> = {
  '426783006': 'sinus rhythm: a rhythm statement (PTB-XL SR), not a normal ECG',
  '164889003': 'atrial fibrillation: rhythm statement (PTB-XL AFIB has diagnostic 0)',
  '164890007': 'atrial flutter: rhythm statement',
  '426177001': 'sinus bradycardia: rhythm statement',
  '427084000': 'sinus tachycardia: rhythm statement',
  '427393009': 'sinus arrhythmia: rhythm statement',
  '426627000': 'bradycardia: rhythm statement',
  '284470004': 'premature atrial contraction: rhythm/form statement (PTB-XL PAC)',
  '63593006': 'supraventricular premature beats: rhythm/form statement',
  '427172004': 'premature ventricular contractions: form statement (PTB-XL PVC)',
  '17338001': 'ventricular premature beats: form statement',
  '10370003': 'pacing rhythm: PTB-XL PACE is a rhythm statement',
  '39732003': 'left axis deviation: an axis finding, no diagnostic statement in PTB-XL',
  '47665007': 'right axis deviation: an axis finding',
  '251146004': 'low qrs voltages: form statement (PTB-XL LVOLT)',
  '164917005': 'q wave abnormal: form statement (PTB-XL QWAVE), not an infarction diagnosis',
  '164934002': 't wave abnormal: form statement (PTB-XL TAB_)',
  '59931005': 't wave inversion: form statement (PTB-XL INVT)',
  '429622005': 'st depression: form statement (PTB-XL STD_)',
  '164931005': 'st elevation: form statement (PTB-XL STE_)',
  '164930006': 'st interval abnormal: form-level finding without a PTB-XL diagnostic statement',
  '164947007': 'prolonged pr interval: form statement (PTB-XL LPR)',
  '370365005': 'left ventricular strain: no PTB-XL statement',
  '428417006': 'early repolarization: no PTB-XL statement',
  '53741008': 'coronary heart disease: a clinical diagnosis, not an ECG statement',
  '84114007': 'heart failure: a clinical diagnosis, not an ECG statement',
  '65778007': 'sinoatrial block: no PTB-XL diagnostic statement',
};

/** LUDB column -> how its diagnoses map. */
export type LudbRule = { superclass: Superclass } | { undetermined: Superclass[]; reason: string } | { leftOut: string };

/**
 * LUDB `ludb.csv` diagnoses (one per line in a cell), matched by prefix, first match wins. Columns not listed
 * (Rhythms, Electric axis of the heart, Extrasystolies, Cardiac pacing, Other states) are left out: rhythm, axis,
 * ectopy, pacing and early repolarisation have no PTB-XL diagnostic statement.
 */
export const LUDB_RULES: readonly { column: string; prefix: string; rule: LudbRule }[] = [
  { column: 'Conduction abnormalities', prefix: 'Sinoatrial blockade', rule: { leftOut: 'no PTB-XL diagnostic statement' } },
  // incomplete/complete RBBB and LBBB, left anterior hemiblock, I and III degree AV block, IVCD: all PTB-XL CD
  { column: 'Conduction abnormalities', prefix: '', rule: { superclass: 'CD' } },
  // LVH, RVH, left/right atrial hypertrophy or overload: PTB-XL LVH, RVH, LAO/LAE, RAO/RAE (HYP)
  { column: 'Hypertrophies', prefix: '', rule: { superclass: 'HYP' } },
  { column: 'Ischemia', prefix: 'Stemi', rule: { superclass: 'MI' } },
  { column: 'Ischemia', prefix: 'Scar formation', rule: { superclass: 'MI' } },
  { column: 'Ischemia', prefix: 'Ischemia', rule: { superclass: 'STTC' } },
  {
    column: 'Ischemia',
    prefix: 'Undefined ischemia/scar/supp.nstemi',
    rule: { undetermined: ['MI', 'STTC'], reason: 'ischaemia (STTC) or scar/infarction (MI), not said which' },
  },
  // PTB-XL NST_ (non-specific ST changes) is STTC
  { column: 'Non-specific repolarization abnormalities', prefix: '', rule: { superclass: 'STTC' } },
];
