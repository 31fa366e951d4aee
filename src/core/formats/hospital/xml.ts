/**
 * Hardened XML parsing for the XML hospital formats (MUSE, Philips, HL7 aECG).
 * Entities and internal DTD subsets are refused before parsing, so neither external entities (XXE)
 * nor entity expansion (billion laughs) can happen; fast-xml-parser never fetches anything either.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EcgFormatError } from '../errors.ts';

/** Larger than any 12-lead resting ECG export (a 10 s MUSE file is ~100 kB), far below memory trouble. */
export const MAX_XML_BYTES = 64 * 2 ** 20;

export type XmlNode = { [key: string]: unknown };

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references only; nothing can expand recursively. */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

/**
 * Rejects DTD content that could define entities. A bare `<!DOCTYPE Root SYSTEM "x.dtd">` (as GE MUSE writes)
 * is allowed: without an internal subset it defines nothing and the external DTD is never loaded.
 */
function dtdProblem(text: string): string | undefined {
  if (/<!ENTITY/i.test(text)) return 'XML declares an ENTITY; entity declarations are refused';
  if (/<!DOCTYPE[^>[]*(\[)?/i.exec(text)?.[1]) return 'XML has a DOCTYPE with an internal subset; DTDs are refused';
  return undefined;
}

function assertNoDtd(path: string, text: string): void {
  const problem = dtdProblem(text);
  if (problem) throw new EcgFormatError(path, 'unsafe-content', problem);
}

/**
 * Why a file that is XML (by its first bytes) is refused for safety before any reader looks at it, or
 * undefined. No reader's sniff accepts such a file, so without this it would read as "not an ECG".
 */
export function unsafeXmlProblem(head: Buffer): string | undefined {
  const s = (head[0] === 0xff && head[1] === 0xfe ? head.subarray(2).toString('utf16le') : head.toString('latin1')).replace(
    /^(\uFEFF|\xEF\xBB\xBF)/,
    '',
  );
  return /^\s*</.test(s) ? dtdProblem(s) : undefined;
}

function decodeText(path: string, bytes: Buffer): string {
  const head = bytes.subarray(0, 200).toString('latin1');
  const declared = /encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1]?.toLowerCase();
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    throw new EcgFormatError(path, 'unsupported-encoding', 'UTF-16 big-endian XML is not supported');
  }
  if (declared === 'iso-8859-1' || declared === 'latin1' || declared === 'windows-1252') return bytes.toString('latin1');
  if (declared === 'utf-16') return bytes.toString('utf16le');
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * fast-xml-parser needs about 20 times a file's size in memory when text nodes are long (a 52 MB aECG took
 * 1.2 GB). Long runs of plain text (waveform digits, base64) are lifted out before parsing and put back by
 * the value processor, so the parser only sees short placeholders. Only runs without any markup character
 * qualify, so no tag, attribute, comment or CDATA boundary can be inside one; the validator has already
 * checked the whole text.
 */
const LONG_TEXT = 4096;
const LIFTED = /^\uE000(\d+)$/;
const [GT, LT, AMP, QUOT, APOS] = ['>', '<', '&', '"', "'"].map((c) => c.charCodeAt(0));

function liftLongText(text: string): { text: string; lifted: string[] } {
  const lifted: string[] = [];
  const parts: string[] = [];
  let kept = 0;
  let run = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === GT) run = i + 1;
    else if (c === AMP || c === QUOT || c === APOS) run = -1;
    else if (c === LT) {
      if (run >= 0 && i - run >= LONG_TEXT) {
        parts.push(text.slice(kept, run), `\uE000${lifted.length}`);
        lifted.push(text.slice(run, i));
        kept = i;
      }
      run = -1;
    }
  }
  if (lifted.length === 0) return { text, lifted };
  parts.push(text.slice(kept));
  return { text: parts.join(''), lifted };
}

/** Parses a whole XML file into plain objects: attributes as `@_name`, text as strings, namespaces stripped. */
export function parseXml(path: string, bytes: Buffer): XmlNode {
  if (bytes.length > MAX_XML_BYTES) {
    throw new EcgFormatError(path, 'too-large', `XML is ${bytes.length} bytes, over the ${MAX_XML_BYTES}-byte limit`);
  }
  const text = decodeText(path, bytes);
  assertNoDtd(path, text);
  // the parser itself tolerates mismatched tags; a truncated or corrupt export must not read as a shorter one
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new EcgFormatError(path, 'bad-header', `malformed XML (${valid.err.msg} at line ${valid.err.line})`);
  }
  const { text: small, lifted } = liftLongText(text);
  const value = (v: string) => {
    const k = LIFTED.exec(v);
    return k && Number(k[1]) < lifted.length ? lifted[Number(k[1])].trim() : decodeEntities(v);
  };
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: 64,
    tagValueProcessor: (_name, v) => value(v),
    attributeValueProcessor: (_name, v) => decodeEntities(v),
  });
  try {
    return parser.parse(small) as XmlNode;
  } catch (err) {
    throw new EcgFormatError(path, 'bad-header', `malformed XML (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Child elements named `name` as an array (fast-xml-parser gives a lone child as an object). */
export function children(node: unknown, name: string): XmlNode[] {
  if (!node || typeof node !== 'object') return [];
  const v = (node as XmlNode)[name];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : { '#text': String(x) }));
}

export function child(node: unknown, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

/** Follows a path of element names, taking the first match at each step. */
export function at(node: unknown, ...names: string[]): XmlNode | undefined {
  let cur: unknown = node;
  for (const n of names) {
    cur = child(cur, n);
    if (cur === undefined) return undefined;
  }
  return cur as XmlNode;
}

/** The text of an element (its `#text`, or the value itself when it had no attributes). */
export function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node !== 'object') return String(node);
  const t = (node as XmlNode)['#text'];
  return t === undefined ? undefined : String(t);
}

export function textAt(node: unknown, ...names: string[]): string | undefined {
  return text(at(node, ...names));
}

export function attr(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as XmlNode)[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

/** The local name of the root element in the first bytes of a file, for sniffing; undefined when not XML. */
export function rootElementName(head: Buffer): string | undefined {
  let s = head[0] === 0xff && head[1] === 0xfe ? head.subarray(2).toString('utf16le') : head.toString('latin1');
  s = s.replace(/^(\uFEFF|\xEF\xBB\xBF)/, '');
  // only whitespace, the declaration, processing instructions, comments and a DOCTYPE may precede the root
  const re = /\s*(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*))/y;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[1]) return m[1];
  }
  return undefined;
}
