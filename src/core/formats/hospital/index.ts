/** Readers for hospital ECG management system exports; each sniffs by content (XML root, DICM + SOP class, SCP section 0). */
import type { FormatReader } from '../reader.ts';
import { hl7AecgReader } from './aecg.ts';
import { cardiologyXmlReader } from './cardiologyXml.ts';
import { dicomReader } from './dicom.ts';
import { museXmlReader } from './muse.ts';
import { philipsXmlReader } from './philips.ts';
import { scpEcgReader } from './scp.ts';

export const HOSPITAL_READERS: readonly FormatReader[] = [
  dicomReader,
  scpEcgReader,
  museXmlReader,
  philipsXmlReader,
  hl7AecgReader,
  cardiologyXmlReader,
];
