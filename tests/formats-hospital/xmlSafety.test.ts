import { describe, expect, it } from 'vitest';
import { hl7AecgReader } from '../../src/core/formats/hospital/aecg.ts';
import { museXmlReader } from '../../src/core/formats/hospital/muse.ts';
import { MAX_XML_BYTES, parseXml, rootElementName } from '../../src/core/formats/hospital/xml.ts';
import { writeAecg } from '../helpers/hospitalWriters/aecg.ts';
import { writeMuse } from '../helpers/hospitalWriters/muse.ts';
import { EIGHT_LEADS, syntheticSignal } from '../helpers/hospitalWriters/signal.ts';
import { expectFormatError, readBytes } from './harness.ts';

const museXml = () => writeMuse(syntheticSignal(EIGHT_LEADS), { doctype: false }).toString('latin1');

describe('hardened XML parsing', () => {
  it('refuses external entities (XXE) before parsing', async () => {
    const xxe = museXml()
      .replace('<RestingECG>', '<!DOCTYPE RestingECG [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<RestingECG>')
      .replace('<PatientID>', '<PatientID>&xxe;');
    await expectFormatError(readBytes(museXmlReader, Buffer.from(xxe, 'latin1'), '.xml'), 'unsafe-content', /ENTITY/);
  });

  it('refuses billion laughs quickly', async () => {
    const lol = ['<!ENTITY lol "lol">'];
    for (let i = 1; i < 10; i++) lol.push(`<!ENTITY lol${i} "${`&lol${i - 1 || ''};`.repeat(10)}">`);
    const xml = `<?xml version="1.0"?><!DOCTYPE AnnotatedECG [${lol.join('')}]><AnnotatedECG>&lol9;</AnnotatedECG>`;
    const t0 = performance.now();
    await expectFormatError(readBytes(hl7AecgReader, Buffer.from(xml), '.xml'), 'unsafe-content');
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('refuses a DOCTYPE with an internal subset even without entities', async () => {
    const xml = museXml().replace('<RestingECG>', '<!DOCTYPE RestingECG [<!ELEMENT RestingECG ANY>]><RestingECG>');
    await expectFormatError(readBytes(museXmlReader, Buffer.from(xml, 'latin1'), '.xml'), 'unsafe-content', /internal subset/);
  });

  it('accepts the external DOCTYPE GE MUSE writes, without loading it', async () => {
    const rec = await readBytes(museXmlReader, writeMuse(syntheticSignal(EIGHT_LEADS)), '.xml');
    expect(rec.leads.length).toBe(12);
  });

  it('leaves undeclared entity references as text and decodes only predefined ones', () => {
    const doc = parseXml('/x.xml', Buffer.from('<a><b>&foo; &amp; &#65;&#x42; &lt;</b></a>'));
    expect((doc.a as { b: string }).b).toBe('&foo; & AB <');
  });

  it('enforces a size limit and a nesting limit', () => {
    expect(() => parseXml('/big.xml', Buffer.alloc(MAX_XML_BYTES + 1, 0x20))).toThrow(/over the .*-byte limit/);
    const deep = '<a>'.repeat(5000) + '</a>'.repeat(5000);
    expect(() => parseXml('/deep.xml', Buffer.from(deep))).toThrow(/deep.xml: malformed XML/);
  });

  it('refuses malformed XML with a typed error', async () => {
    await expectFormatError(readBytes(museXmlReader, Buffer.from('<RestingECG><a></RestingECG>'), '.xml'), 'bad-header', /malformed XML/);
  });

  it('finds the root element after declaration, comments and DOCTYPE only', () => {
    expect(rootElementName(Buffer.from('\uFEFF<?xml version="1.0"?>\n<!-- c --><!DOCTYPE x SYSTEM "y"><hl7:AnnotatedECG>'))).toBe(
      'AnnotatedECG',
    );
    expect(rootElementName(writeAecg(syntheticSignal(['I'])))).toBe('AnnotatedECG');
    expect(rootElementName(Buffer.from('text <RestingECG>'))).toBeUndefined();
    expect(rootElementName(Buffer.from([0xff, 0xfe, ...Buffer.from('<RestingECG>', 'utf16le')]))).toBe('RestingECG');
  });
});
