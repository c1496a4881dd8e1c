import type { RisProblem } from './types.js';

/**
 * Bytes → text for RIS files. No RIS file declares its encoding: the old spec says "Windows
 * ANSI", modern exporters write UTF-8 (often with a BOM, Citavi/WoS/Scopus), a few Windows tools
 * write UTF-16 with a BOM, and R scripts and old Macs leave Windows-1252 / Mac Roman bytes behind.
 * So: honour a BOM, otherwise try UTF-8 and fall back to Windows-1252 at the first invalid byte.
 */

export type RisEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface RisEncodingSwitch {
  /** Offset of the first byte that is not valid UTF-8, counted from the start of the input. */
  byteOffset: number;
  /** Offset in the decoded text (BOMs removed) where Windows-1252 decoding took over. */
  charOffset: number;
}

export interface RisDecoder {
  write(chunk: Uint8Array): string;
  end(): string;
  /** Best knowledge so far; 'utf-8' until a BOM or an invalid byte says otherwise. */
  readonly encoding: RisEncoding;
  /** Set once UTF-8 decoding gave up. */
  readonly switchedAt: RisEncodingSwitch | null;
  /** Warnings about the encoding (line is null: the decoder does not count lines). */
  readonly problems: RisProblem[];
}

export interface DecodedRis {
  text: string;
  encoding: RisEncoding;
  problems: RisProblem[];
}

const BOM = '\uFEFF';

/**
 * BOMs turn up mid-file when files are concatenated (`cat a.ris b.ris`), and U+2028/U+2029 come
 * from exporters that copy text out of word processors; both must not reach the lexer as content.
 */
export function cleanDecodedText(text: string): string {
  let out = text;
  if (out.indexOf(BOM) !== -1) out = out.replaceAll(BOM, '');
  if (out.indexOf('\u2028') !== -1 || out.indexOf('\u2029') !== -1)
    out = out.replace(/[\u2028\u2029]/g, '\n');
  return out;
}

/** Length of a trailing, incomplete UTF-8 sequence (0–3) that must wait for the next chunk. */
function incompleteTail(bytes: Uint8Array): number {
  const n = bytes.length;
  const stop = Math.max(0, n - 4);
  for (let i = n - 1; i >= stop; i--) {
    const b = bytes[i] as number;
    if ((b & 0xc0) === 0x80) continue;
    let need = 1;
    if (b >= 0xf0) need = 4;
    else if (b >= 0xe0) need = 3;
    else if (b >= 0xc0) need = 2;
    return n - i < need ? n - i : 0;
  }
  return 0;
}

/** Index of the first byte that breaks UTF-8 (only used once, on the failing chunk). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return n;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const EMPTY = new Uint8Array(0);

/** The code unit of a surrogate encoded on its own as three UTF-8-style bytes (ED A0–BF 80–BF) at `i`. */
function encodedSurrogateAt(bytes: Uint8Array, i: number): number | null {
  const b1 = bytes[i + 1];
  const b2 = bytes[i + 2];
  if (bytes[i] !== 0xed || b1 === undefined || b2 === undefined) return null;
  if (b1 < 0xa0 || b1 > 0xbf || (b2 & 0xc0) !== 0x80) return null;
  return 0xd000 | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
}

interface StreamDecoder {
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}

/**
 * UTF-16 that keeps unpaired surrogates as they are, where TextDecoder silently writes U+FFFD: the
 * parser replaces them itself and says on which line. (Node's `utf16le` decoding does not validate.)
 */
class Utf16Decoder implements StreamDecoder {
  private odd: Uint8Array = EMPTY;
  constructor(private readonly bigEndian: boolean) {}

  decode(input: Uint8Array = EMPTY, options: { stream?: boolean } = {}): string {
    const all = concat(this.odd, input);
    const even = all.length - (all.length % 2);
    this.odd = options.stream ? all.slice(even) : EMPTY;
    const units = Buffer.from(all.subarray(0, even));
    if (this.bigEndian) units.swap16();
    const text = units.toString('utf16le');
    // A file cut after half a code unit.
    return !options.stream && even < all.length ? `${text}\ufffd` : text;
  }
}

export function createRisDecoder(): RisDecoder {
  let encoding: RisEncoding = 'utf-8';
  let decided = false;
  let head: Uint8Array = EMPTY;
  let carry: Uint8Array = EMPTY;
  let bytesSeen = 0;
  let charsOut = 0;
  let switchedAt: RisEncodingSwitch | null = null;
  const problems: RisProblem[] = [];
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  let streaming: StreamDecoder | null = null;

  function emit(text: string): string {
    const out = cleanDecodedText(text);
    charsOut += out.length;
    return out;
  }

  function decodeUtf8(bytes: Uint8Array, final: boolean): string {
    const all = concat(carry, bytes);
    const tail = final ? 0 : incompleteTail(all);
    const body = tail === 0 ? all : all.subarray(0, all.length - tail);
    carry = tail === 0 ? EMPTY : all.slice(all.length - tail);
    let text = '';
    let from = 0;
    let bad = 0;
    for (;;) {
      try {
        return emit(text + utf8.decode(from === 0 ? body : body.subarray(from)));
      } catch {
        bad = from + firstInvalidUtf8(body.subarray(from));
      }
      // A surrogate encoded on its own (WTF-8/CESU-8, written by tools that encode UTF-16 code
      // units one by one) is decoded as that code unit: the parser turns an unpaired one into
      // U+FFFD and reports its line, and the file stays UTF-8.
      const unit = encodedSurrogateAt(body, bad);
      if (unit === null) break;
      text += lenientUtf8.decode(body.subarray(from, bad)) + String.fromCharCode(unit);
      from = bad + 3;
    }
    // The first invalid byte decides the file is not UTF-8: exporters that write Windows-1252
    // (R write.table, old EndNote on Windows, Mac Roman files read as 1252) do so throughout.
    // Re-decode the failing chunk: the valid prefix as UTF-8 (identical to 1252 for the ASCII
    // a real 1252 file starts with, and right for UTF-8 files with one stray byte), the rest
    // and everything after it as Windows-1252.
    const chunkStart = bytesSeen - all.length;
    const prefix = cleanDecodedText(text + lenientUtf8.decode(all.subarray(from, bad)));
    encoding = 'windows-1252';
    streaming = new TextDecoder('windows-1252');
    switchedAt = { byteOffset: chunkStart + bad, charOffset: charsOut + prefix.length };
    const hex = (all[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    problems.push({
      record: 0,
      line: null,
      severity: 'warning',
      message: `Input is not valid UTF-8 (byte 0x${hex} at offset ${chunkStart + bad}); decoded as Windows-1252 from there on`,
    });
    carry = EMPTY;
    charsOut += prefix.length;
    return prefix + emit(streaming.decode(all.subarray(bad), { stream: !final }));
  }

  function decide(final: boolean): string {
    if (head.length < 3 && !final) return '';
    decided = true;
    const h = head;
    head = EMPTY;
    if (h[0] === 0xff && h[1] === 0xfe) {
      encoding = 'utf-16le';
      streaming = new Utf16Decoder(false);
      return emit(streaming.decode(h.subarray(2), { stream: !final }));
    }
    if (h[0] === 0xfe && h[1] === 0xff) {
      encoding = 'utf-16be';
      streaming = new Utf16Decoder(true);
      return emit(streaming.decode(h.subarray(2), { stream: !final }));
    }
    return decodeUtf8(h, final);
  }

  return {
    write(chunk: Uint8Array): string {
      bytesSeen += chunk.length;
      if (!decided) {
        head = concat(head, chunk);
        return decide(false);
      }
      if (streaming) return emit(streaming.decode(chunk, { stream: true }));
      return decodeUtf8(chunk, false);
    },
    end(): string {
      if (!decided) return decide(true);
      if (streaming) return emit(streaming.decode());
      if (carry.length === 0) return '';
      return decodeUtf8(EMPTY, true);
    },
    get encoding() {
      return encoding;
    },
    get switchedAt() {
      return switchedAt;
    },
    problems,
  };
}

/** Line number (1-based) of a character offset; CR, LF and CRLF each count as one break. */
export function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) line++;
  }
  return line;
}

export function decodeRisBytes(bytes: Uint8Array): DecodedRis {
  const decoder = createRisDecoder();
  const text = decoder.write(bytes) + decoder.end();
  const problems = decoder.problems.map((p) => ({ ...p }));
  const at = decoder.switchedAt;
  if (at && problems[0]) problems[0].line = lineAtOffset(text, at.charOffset);
  return { text, encoding: decoder.encoding, problems };
}
