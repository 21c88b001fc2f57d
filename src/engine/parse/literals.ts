/**
 * Decoding of Python literal tokens (strings, numbers) from their source text. tree-sitter gives
 * token boundaries only, so the escape and prefix rules of the Python reference are applied here.
 */

export interface DecodedString {
  /** Decoded text (bytes literals map each byte to the code point of the same value). */
  value: string;
  bytes: boolean;
  /** f-strings and t-strings: the value depends on run-time names. */
  formatted: boolean;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decode one Python string token (`'…'`, `"""…"""`, `rb'…'`, `f"…"`); null when it is not one. */
export function decodeStringToken(text: string): DecodedString | null {
  let prefixEnd = 0;
  while (prefixEnd < text.length && prefixEnd < 3 && /[a-zA-Z]/.test(text[prefixEnd] ?? '')) prefixEnd++;
  const prefix = text.slice(0, prefixEnd).toLowerCase();
  if (!/^(?:r|u|b|br|rb|f|fr|rf|t|tr|rt)?$/.test(prefix)) return null;
  const quote = text[prefixEnd];
  if (quote !== '"' && quote !== "'") return null;
  const triple = text.startsWith(quote.repeat(3), prefixEnd);
  const quoteLength = triple ? 3 : 1;
  const start = prefixEnd + quoteLength;
  // An unterminated token (error recovery) still yields what it holds.
  const closing = quote.repeat(quoteLength);
  const end = text.length - quoteLength >= start && text.endsWith(closing) ? text.length - quoteLength : text.length;
  const body = text.slice(start, end);
  const raw = prefix.includes('r');
  const bytes = prefix.includes('b');
  const formatted = prefix.includes('f') || prefix.includes('t');
  return { value: raw ? body : decodeEscapes(body, bytes), bytes, formatted };
}

function decodeEscapes(body: string, bytes: boolean): string {
  if (!body.includes('\\')) return body;
  let out = '';
  let i = 0;
  while (i < body.length) {
    const ch = body[i] as string;
    if (ch !== '\\' || i + 1 >= body.length) {
      out += ch;
      i++;
      continue;
    }
    const next = body[i + 1] as string;
    if (next === '\n') {
      i += 2;
      continue;
    }
    if (next === '\r') {
      i += body[i + 2] === '\n' ? 3 : 2;
      continue;
    }
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    if (next >= '0' && next <= '7') {
      const match = /^[0-7]{1,3}/.exec(body.slice(i + 1, i + 4)) as RegExpExecArray;
      out += String.fromCodePoint(parseInt(match[0], 8));
      i += 1 + match[0].length;
      continue;
    }
    const hexLength = next === 'x' ? 2 : !bytes && next === 'u' ? 4 : !bytes && next === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = body.slice(i + 2, i + 2 + hexLength);
      const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexLength ? parseInt(hex, 16) : NaN;
      if (Number.isFinite(code) && code <= 0x10ffff) {
        out += String.fromCodePoint(code);
        i += 2 + hexLength;
        continue;
      }
    }
    // `\N{NAME}` needs the Unicode name table and unknown escapes stay as written, as Python keeps them.
    out += ch;
    i++;
  }
  return out;
}

/** Value of a Python integer token (`1_000`, `0x1F`, `0o17`, `0b101`); null for complex (`1j`). */
export function decodeInteger(text: string): number | null {
  const clean = text.replace(/_/g, '');
  if (/[jJ]$/.test(clean)) return null;
  const lower = clean.toLowerCase();
  const radix = lower.startsWith('0x') ? 16 : lower.startsWith('0o') ? 8 : lower.startsWith('0b') ? 2 : 10;
  if (radix !== 10) {
    const value = parseInt(lower.slice(2), radix);
    return Number.isFinite(value) ? value : null;
  }
  // Python 2 long suffix in very old files.
  const value = Number(lower.replace(/l$/, ''));
  return Number.isFinite(value) ? value : null;
}

/** Value of a Python float token (`1.5`, `1e-3`, `1_0.5`); null for complex (`1.5j`). */
export function decodeFloat(text: string): number | null {
  const clean = text.replace(/_/g, '');
  if (/[jJ]$/.test(clean)) return null;
  const value = Number(clean.endsWith('.') ? `${clean}0` : clean);
  // Out-of-range literals (`1e999`) would not survive JSON; they stay as text.
  return Number.isFinite(value) ? value : null;
}

/** A dotted name (`models.CASCADE`, `forwards`) with the whitespace Python allows removed; null otherwise. */
export function dottedPath(text: string): string | null {
  if (!DOTTED.test(text)) return null;
  return /\s/.test(text) ? text.replace(/\s+/g, '') : text;
}

const DOTTED = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\s*\.\s*[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*$/u;

const NON_ASCII = /[\u0080-\uffff]/;

/** Number of bytes the text takes in UTF-8, without allocating an encoded copy. */
export function utf8Length(text: string): number {
  // Most migration files are ASCII: one native regex scan instead of a JS loop over every character.
  if (!NON_ASCII.test(text)) return text.length;
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}
