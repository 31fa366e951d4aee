/** Writes a GE MUSE RestingECG XML file (the subset our reader and real exports share). */
import { int16Bytes, xmlEscape, type FixtureSignal } from './signal.ts';

export interface MuseOptions {
  /** Median beat leads; defaults to the first 600 ms of each rhythm lead. */
  medianSamples?: number;
  doctype?: boolean;
}

function waveform(type: string, sig: FixtureSignal, slice: (a: Int32Array) => Int32Array): string {
  const leads = sig.leads
    .map((l) => {
      const adc = slice(l.adc);
      return `      <LeadData>
        <LeadByteCountTotal>${adc.length * 2}</LeadByteCountTotal>
        <LeadTimeOffset>0</LeadTimeOffset>
        <LeadSampleCountTotal>${adc.length}</LeadSampleCountTotal>
        <LeadAmplitudeUnitsPerBit>${l.uvPerLsb ?? sig.uvPerLsb}</LeadAmplitudeUnitsPerBit>
        <LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits>
        <LeadHighLimit>32767</LeadHighLimit>
        <LeadLowLimit>-32768</LeadLowLimit>
        <LeadID>${xmlEscape(l.name)}</LeadID>
        <LeadOffsetFirstSample>0</LeadOffsetFirstSample>
        <FirstSampleBaseline>0</FirstSampleBaseline>
        <LeadSampleSize>2</LeadSampleSize>
        <LeadOff>FALSE</LeadOff>
        <BaselineSway>FALSE</BaselineSway>
        <WaveFormData>${int16Bytes(adc)
          .toString('base64')
          .replace(/(.{76})/g, '$1\n')}</WaveFormData>
      </LeadData>`;
    })
    .join('\n');
  return `  <Waveform>
    <WaveformType>${type}</WaveformType>
    <WaveformStartTime>0</WaveformStartTime>
    <NumberofLeads>${sig.leads.length}</NumberofLeads>
    <SampleType>CONTINUOUS_SAMPLES</SampleType>
    <SampleBase>${sig.samplingRateHz}</SampleBase>
    <SampleExponent>0</SampleExponent>
${leads}
  </Waveform>`;
}

export function writeMuse(sig: FixtureSignal, opts: MuseOptions = {}): Buffer {
  const p = sig.patient;
  const median = opts.medianSamples ?? Math.round(0.6 * sig.samplingRateHz);
  const [y, m, d] = (p?.birthDate ?? '1970-01-01').split('-');
  const [last, first] = (p?.name ?? 'Unknown^Unknown').split('^');
  const xml = `<?xml version="1.0" encoding="ISO-8859-1"?>
${opts.doctype === false ? '' : '<!DOCTYPE RestingECG SYSTEM "restecg.dtd">\n'}<RestingECG>
  <MuseInfo><MuseVersion>9.0.9.18167</MuseVersion></MuseInfo>
  <PatientDemographics>
    <PatientID>${xmlEscape(p?.id ?? '')}</PatientID>
    <PatientAge>${p?.age ?? ''}</PatientAge>
    <AgeUnits>YEARS</AgeUnits>
    <DateofBirth>${m}-${d}-${y}</DateofBirth>
    <Gender>${p?.sex === 'female' ? 'FEMALE' : 'MALE'}</Gender>
    <PatientLastName>${xmlEscape(last)}</PatientLastName>
    <PatientFirstName>${xmlEscape(first)}</PatientFirstName>
  </PatientDemographics>
  <TestDemographics>
    <DataType>RESTING</DataType>
    <Site>12</Site>
    <SiteName>General Hospital &amp; Clinic</SiteName>
    <AcquisitionDevice>MAC55</AcquisitionDevice>
    <AcquisitionDate>03-14-2012</AcquisitionDate>
    <AcquisitionTime>09:52:23</AcquisitionTime>
    <OrderingMDLastName>Smith</OrderingMDLastName>
  </TestDemographics>
  <RestingECGMeasurements>
    <VentricularRate>67</VentricularRate>
    <PRInterval>162</PRInterval>
    <QRSDuration>88</QRSDuration>
    <QTInterval>398</QTInterval>
    <QTCorrected>420</QTCorrected>
    <ECGSampleBase>${sig.samplingRateHz}</ECGSampleBase>
  </RestingECGMeasurements>
  <Diagnosis>
    <Modality>RESTING</Modality>
    <DiagnosisStatement><StmtFlag>ENDSLINE</StmtFlag><StmtText>Normal sinus rhythm</StmtText></DiagnosisStatement>
    <DiagnosisStatement><StmtFlag>ENDSLINE</StmtFlag><StmtText>Normal ECG &lt;unconfirmed&gt;</StmtText></DiagnosisStatement>
  </Diagnosis>
${waveform('Median', sig, (a) => a.slice(0, median))}
${waveform('Rhythm', sig, (a) => a)}
</RestingECG>
`;
  return Buffer.from(xml, 'latin1');
}
