/** Writes Philips SierraECG XML (1.03 or 1.04.x), uncompressed or XLI-compressed. */
import { commonUvPerLsb, int16Bytes, type FixtureSignal } from './signal.ts';
import { xliEncode } from './xli.ts';

export interface PhilipsOptions {
  version?: string;
  xli?: boolean;
  /** Extra trailing XLI chunks, as devices that allocate 16 channels write. */
  extraChannels?: number;
}

export function writePhilips(sig: FixtureSignal, opts: PhilipsOptions = {}): Buffer {
  const version = opts.version ?? '1.04.01';
  const v103 = version === '1.03';
  const uv = commonUvPerLsb(sig, 'Philips XML');
  const n = sig.leads[0].adc.length;
  const durationMs = (n * 1000) / sig.samplingRateHz;
  const adc = sig.leads.map((l) => l.adc);
  const extra = Array.from({ length: opts.extraChannels ?? 0 }, () => new Int32Array(n));
  const payload = opts.xli ? xliEncode([...adc, ...extra]) : Buffer.concat(adc.map(int16Bytes));
  const b64 = payload.toString('base64').replace(/(.{76})/g, '$1\n');
  const labels = sig.leads.map((l) => l.name).join(' ');
  const compression = opts.xli
    ? v103
      ? 'compressflag="True" compressmethod="XLI"'
      : 'compressflag="True" compression="XLI"'
    : v103
      ? 'compressflag="False" compressmethod="Uncompressed"'
      : 'compressflag="False" compression="Uncompressed"';
  const labelAttrs = v103 ? '' : `numberofleads="${sig.leads.length}" leadlabels="${labels}"`;
  const p = sig.patient;
  const [last, first] = (p?.name ?? 'Unknown^Unknown').split('^');
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<restingecgdata xmlns="http://www3.medical.philips.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <documentinfo>
    <documentname>fixture.xml</documentname>
    <documenttype>${v103 ? 'SierraECG' : 'PhilipsECG'}</documenttype>
    <documentversion>${version}</documentversion>
  </documentinfo>
  <dataacquisition date="2008-12-23" time="19:44:46">
    <machine machineid="16296" detaildescription="PageWriter Touch">PageWriter Touch</machine>
    <acquirer><institutionname>General Hospital</institutionname><operatorid>OP7</operatorid></acquirer>
    <signalcharacteristics>
      <samplingrate>${sig.samplingRateHz}</samplingrate>
      <resolution>${uv}</resolution>
      <acquisitiontype>STD-12</acquisitiontype>
      <numberchannelsvalid>${sig.leads.length}</numberchannelsvalid>
      <numberchannelsallocated>${sig.leads.length}</numberchannelsallocated>
    </signalcharacteristics>
  </dataacquisition>
  <patient>
    <generalpatientdata>
      <patientid>${p?.id ?? ''}</patientid>
      <name><lastname>${last}</lastname><firstname>${first}</firstname></name>
      <age><years>${p?.age ?? ''}</years><dateofbirth>${p?.birthDate ?? ''}</dateofbirth></age>
      <sex>${p?.sex === 'male' ? 'Male' : 'Female'}</sex>
    </generalpatientdata>
  </patient>
  <interpretations>
    <interpretation>
      <statement><leftstatement>Sinus rhythm</leftstatement><rightstatement></rightstatement></statement>
      <statement><leftstatement>Normal ECG</leftstatement><rightstatement>unconfirmed</rightstatement></statement>
    </interpretation>
  </interpretations>
  <waveforms>
    <parsedwaveforms dataencoding="Base64" ${compression} durationperchannel="${durationMs}" samplespersecond="${sig.samplingRateHz}" ${labelAttrs}>
${b64}
    </parsedwaveforms>
  </waveforms>
</restingecgdata>
`;
  return Buffer.from(xml, 'utf8');
}
