/** Writes an HL7 v3 annotated ECG (aECG) file as the FDA implementation guide lays it out. */
import { xmlEscape, type FixtureSignal } from './signal.ts';

const HEAD = '20021122091000';
const WAVE_CODES = { P: 'MDC_ECG_WAVC_PWAVE', QRS: 'MDC_ECG_WAVC_QRSWAVE', T: 'MDC_ECG_WAVC_TWAVE' } as const;

export interface AecgOptions {
  /** TIME_ABSOLUTE (timestamps) or TIME_RELATIVE (seconds from the start) annotation boundaries. */
  annotationTimes?: 'absolute' | 'relative';
  /** Physical value of digit 0, in uV. */
  originUv?: number;
}

function absolute(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const s = Math.floor(ms / 1000);
  return `${HEAD.slice(0, 12)}${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}

function leadCode(name: string): string {
  return `MDC_ECG_LEAD_${name.toUpperCase()}`;
}

export function writeAecg(sig: FixtureSignal, opts: AecgOptions = {}): Buffer {
  const fs = sig.samplingRateHz;
  const origin = opts.originUv ?? 0;
  const p = sig.patient;
  const sequences = sig.leads
    .map((l) => ({ ...l, uv: l.uvPerLsb ?? sig.uvPerLsb }))
    .map(
      (l) => `            <component>
              <sequence>
                <code code="${leadCode(l.name)}" codeSystem="2.16.840.1.113883.6.24"/>
                <value xsi:type="SLIST_PQ">
                  <origin value="${origin}" unit="uV"/>
                  <scale value="${l.uv}" unit="uV"/>
                  <digits>${Array.from(l.adc, (v) => Math.round(v - origin / l.uv)).join(' ')}</digits>
                </value>
              </sequence>
            </component>`,
    )
    .join('\n');
  const annotations = (sig.annotations ?? [])
    .map((a) => {
      const lo = a.onsetSample / fs;
      const hi = a.offsetSample / fs;
      const time =
        opts.annotationTimes === 'relative'
          ? `<boundary><code code="TIME_RELATIVE" codeSystem="2.16.840.1.113883.5.4"/><value xsi:type="IVL_PQ"><low value="${lo * 1000}" unit="ms"/><high value="${hi * 1000}" unit="ms"/></value></boundary>`
          : `<boundary><code code="TIME_ABSOLUTE" codeSystem="2.16.840.1.113883.5.4"/><value xsi:type="IVL_TS"><low value="${absolute(lo)}"/><high value="${absolute(hi)}"/></value></boundary>`;
      return `              <component><annotation>
                <code code="MDC_ECG_WAVC" codeSystem="2.16.840.1.113883.6.24"/>
                <value xsi:type="CE" code="${WAVE_CODES[a.kind]}" codeSystem="2.16.840.1.113883.6.24"/>
                <support><supportingROI><code code="ROIPS" codeSystem="2.16.840.1.113883.5.4"/>
                  <component>${time}</component>
                  <component><boundary><code code="${leadCode(a.lead)}" codeSystem="2.16.840.1.113883.6.24"/></boundary></component>
                </supportingROI></support>
              </annotation></component>`;
    })
    .join('\n');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<AnnotatedECG xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:hl7-org:v3 ../schema/PORT_MT020001.xsd" type="Observation">
  <id root="61d1a24f-b47e-41aa-ae95-f8ac302f4eeb"/>
  <code code="93000" codeSystem="2.16.840.1.113883.6.12" codeSystemName="CPT-4"/>
  <effectiveTime><low value="${HEAD}" inclusive="true"/><high value="${absolute(sig.leads[0].adc.length / fs)}" inclusive="false"/></effectiveTime>
  <componentOf><timepointEvent><code code="VISIT_1" codeSystem=""/>
    <componentOf><subjectAssignment>
      <subject><trialSubject><id root="2.16.840.1.113883.3.5" extension="${xmlEscape(p?.id ?? 'S1')}"/>
        <subjectDemographicPerson>
          <name>${xmlEscape(p?.name ?? 'Unknown')}</name>
          <administrativeGenderCode code="${p?.sex === 'male' ? 'M' : 'F'}" codeSystem="2.16.840.1.113883.5.1"/>
          <birthTime value="${(p?.birthDate ?? '1970-01-01').replaceAll('-', '')}"/>
        </subjectDemographicPerson>
      </trialSubject></subject>
      <componentOf><clinicalTrial><id root="2.16.840.1.113883.3.6" extension="TRIAL-9"/>
        <location><trialSite><id root="2.16.840.1.113883.3.7" extension="SITE-42"/></trialSite></location>
      </clinicalTrial></componentOf>
    </subjectAssignment></componentOf>
  </timepointEvent></componentOf>
  <component>
    <series>
      <id root="b2b4a0a4-40e4-4c06-8a61-9f3b0a6a0c2e"/>
      <code code="RHYTHM" codeSystem="2.16.840.1.113883.5.4"/>
      <effectiveTime><low value="${HEAD}"/></effectiveTime>
      <author><seriesAuthor>
        <manufacturedSeriesDevice><id extension="DEV-1"/><manufacturerModelName>CardioWriter 9</manufacturerModelName></manufacturedSeriesDevice>
        <manufacturerOrganization><name>Acme Medical</name></manufacturerOrganization>
      </seriesAuthor></author>
      <component>
        <sequenceSet>
          <component>
            <sequence>
              <code code="TIME_ABSOLUTE" codeSystem="2.16.840.1.113883.5.4"/>
              <value xsi:type="GLIST_TS"><head value="${HEAD}.000"/><increment value="${1 / fs}" unit="s"/></value>
            </sequence>
          </component>
${sequences}
        </sequenceSet>
      </component>
      <subjectOf><annotationSet>
        <activityTime value="${HEAD}"/>
${annotations}
      </annotationSet></subjectOf>
    </series>
  </component>
</AnnotatedECG>
`;
  return Buffer.from(xml, 'utf8');
}
