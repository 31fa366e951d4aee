/** Writes a GE CardioSoft / CASE "CardiologyXML" resting ECG as the public descriptions of the format lay it out. */
import { commonUvPerLsb, xmlEscape, type FixtureSignal } from './signal.ts';

export interface CardiologyXmlOptions {
  /** Median beat samples per lead (the first ones of each rhythm lead); 0 writes no <MedianSamples>. */
  medianSamples?: number;
  /** Leave <ChannelSampleCountTotal> out (it is optional in practice). */
  omitSampleCount?: boolean;
}

function strip(tag: string, sig: FixtureSignal, uv: number, n: number, opts: CardiologyXmlOptions): string {
  const data = sig.leads
    .map((l) => `    <WaveformData lead="${l.name}">${Array.from(l.adc.subarray(0, n)).join(',')}</WaveformData>`)
    .join('\n');
  return `  <${tag}>
    <NumberOfLeads>${sig.leads.length}</NumberOfLeads>
    <SampleRate units="Hz">${sig.samplingRateHz}</SampleRate>
${opts.omitSampleCount ? '' : `    <ChannelSampleCountTotal>${n}</ChannelSampleCountTotal>\n`}    <Resolution units="uVperLsb">${uv}</Resolution>
${data}
  </${tag}>`;
}

export function writeCardiologyXml(sig: FixtureSignal, opts: CardiologyXmlOptions = {}): Buffer {
  const uv = commonUvPerLsb(sig, 'CardiologyXML');
  const p = sig.patient;
  const [y, m, d] = (p?.birthDate ?? '1970-01-01').split('-');
  const [last, first] = (p?.name ?? 'Unknown^Unknown').split('^');
  const n = sig.leads[0]!.adc.length;
  const median = opts.medianSamples ?? Math.round(0.6 * sig.samplingRateHz);
  const xml = `<?xml version="1.0" encoding="ISO-8859-1"?>
<CardiologyXML>
  <ObservationType>RestECG</ObservationType>
  <ObservationDateTime><Hour>9</Hour><Minute>52</Minute><Second>23</Second><Day>14</Day><Month>3</Month><Year>2012</Year></ObservationDateTime>
  <ClinicalInfo><DeviceInfo><Desc>CASE</Desc><SoftwareVer>6.73</SoftwareVer></DeviceInfo></ClinicalInfo>
  <PatientInfo>
    <PID>${xmlEscape(p?.id ?? '')}</PID>
    <Name><FamilyName>${xmlEscape(last!)}</FamilyName><GivenName>${xmlEscape(first!)}</GivenName></Name>
    <Age units="years">${p?.age ?? ''}</Age>
    <BirthDateTime><Day>${Number(d)}</Day><Month>${Number(m)}</Month><Year>${y}</Year></BirthDateTime>
    <Gender>${p?.sex === 'female' ? 'FEMALE' : 'MALE'}</Gender>
  </PatientInfo>
  <RestingECGMeasurements>
    <VentricularRate units="BPM">67</VentricularRate>
    <PQInterval units="ms">162</PQInterval>
    <QRSDuration units="ms">88</QRSDuration>
    <QTInterval units="ms">398</QTInterval>
  </RestingECGMeasurements>
  <Interpretation><Diagnosis><DiagnosisText>Sinus rhythm</DiagnosisText><DiagnosisText>Normal ECG</DiagnosisText></Diagnosis></Interpretation>
${strip('StripData', sig, uv, n, opts)}
${median > 0 ? strip('MedianSamples', sig, uv, median, opts) : ''}
</CardiologyXML>
`;
  return Buffer.from(xml, 'latin1');
}
