import { describe, expect, it } from 'vitest';
import { createRisDecoder, decodeRisBytes } from '../../src/ris/decode.js';
import { parseRis, parseRisStream } from '../../src/ris/parse.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

function utf16(s: string, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(2 + s.length * 2);
  out.set(littleEndian ? [0xff, 0xfe] : [0xfe, 0xff], 0);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 + i * 2] = littleEndian ? c & 0xff : c >> 8;
    out[3 + i * 2] = littleEndian ? c >> 8 : c & 0xff;
  }
  return out;
}

function inChunks(bytes: Uint8Array, size: number): string {
  const d = createRisDecoder();
  let text = '';
  for (let i = 0; i < bytes.length; i += size) text += d.write(bytes.subarray(i, i + size));
  return text + d.end();
}

const SAMPLE = 'TY  - JOUR\nAU  - Müller, Jörg\nTI  - Ελληνικά 中文 😀 – “quotes”\nER  - \n';

describe('decodeRisBytes', () => {
  it('decodes UTF-8 with and without BOM, stripping the BOM', () => {
    expect(decodeRisBytes(utf8(SAMPLE))).toEqual({ text: SAMPLE, encoding: 'utf-8', problems: [] });
    expect(decodeRisBytes(utf8(`\uFEFF${SAMPLE}`)).text).toBe(SAMPLE);
  });

  it('strips BOMs mid-file and turns U+2028/U+2029 into line breaks', () => {
    expect(decodeRisBytes(utf8('a\n\uFEFFb\u2028c\u2029d')).text).toBe('a\nb\nc\nd');
  });

  it('decodes UTF-16 LE and BE with BOM', () => {
    expect(decodeRisBytes(utf16(SAMPLE, true))).toMatchObject({ text: SAMPLE, encoding: 'utf-16le' });
    expect(decodeRisBytes(utf16(SAMPLE, false))).toMatchObject({ text: SAMPLE, encoding: 'utf-16be' });
  });

  it('falls back to Windows-1252 on invalid UTF-8, with a warning', () => {
    // "Café … naïve" as Windows-1252: é = E9, … = 85, ï = EF.
    const bytes = new Uint8Array([
      ...utf8('TY  - JOUR\nTI  - Caf'),
      0xe9,
      0x20,
      0x85,
      0x20,
      ...utf8('na'),
      0xef,
      ...utf8('ve\nER  - \n'),
    ]);
    const out = decodeRisBytes(bytes);
    expect(out.encoding).toBe('windows-1252');
    expect(out.text).toBe('TY  - JOUR\nTI  - Café … naïve\nER  - \n');
    expect(out.problems).toEqual([
      {
        record: 0,
        line: 2,
        severity: 'warning',
        message: expect.stringMatching(/not valid UTF-8.*Windows-1252/),
      },
    ]);
  });
});

describe('createRisDecoder (streaming)', () => {
  it('handles multi-byte sequences split across chunks', () => {
    const bytes = utf8(`\uFEFF${SAMPLE}`);
    for (const size of [1, 2, 3, 5, 7, 1000]) expect(inChunks(bytes, size)).toBe(SAMPLE);
  });

  it('handles UTF-16 split at odd offsets', () => {
    for (const size of [1, 3, 7]) expect(inChunks(utf16(SAMPLE, true), size)).toBe(SAMPLE);
  });

  it('switches to Windows-1252 mid-stream, re-decoding the failing chunk', () => {
    const bytes = new Uint8Array([
      ...utf8('TY  - JOUR\nAU  - Müller\nTI  - '),
      0x93,
      ...utf8('quoted'),
      0x94,
      0x0a,
    ]);
    for (const size of [1, 4, 1000]) {
      const d = createRisDecoder();
      let text = '';
      for (let i = 0; i < bytes.length; i += size) text += d.write(bytes.subarray(i, i + size));
      text += d.end();
      expect(text).toBe('TY  - JOUR\nAU  - Müller\nTI  - “quoted”\n');
      expect(d.encoding).toBe('windows-1252');
      expect(d.switchedAt?.byteOffset).toBe(utf8('TY  - JOUR\nAU  - Müller\nTI  - ').length);
      expect(d.problems).toHaveLength(1);
    }
  });

  it('treats a truncated sequence at the very end as not UTF-8', () => {
    const d = createRisDecoder();
    const text = d.write(new Uint8Array([0x61, 0xc3])) + d.end();
    expect(text).toBe('aÃ');
    expect(d.encoding).toBe('windows-1252');
  });
});

describe('decoding inside the parser', () => {
  it('reports the Windows-1252 fallback with its line, one-shot and streaming', async () => {
    const bytes = new Uint8Array([...utf8('TY  - JOUR\nAU  - Ren'), 0xe9, ...utf8(', A\nER  - \n')]);
    const one = parseRis(bytes);
    expect(one.records[0]?.tags[1]?.value).toBe('René, A');
    expect(one.problems).toEqual([expect.objectContaining({ severity: 'warning', line: 2, record: 0 })]);
    const problems = [];
    for await (const ev of parseRisStream([bytes.subarray(0, 5), bytes.subarray(5)])) {
      if (ev.type === 'problem') problems.push(ev.problem);
    }
    expect(problems).toEqual([expect.objectContaining({ severity: 'warning', line: 2, record: 0 })]);
  });
});
