import { describe, expect, it } from 'vitest';
import { sniffInput } from '../../src/ris/sniff.js';

describe('sniffInput', () => {
  it.each([
    ['TY  - JOUR\nER  - \n'],
    ['\uFEFFTY  - JOUR\r\nER  - \r\n'],
    ['TY - JOUR AB - flattened AU - x ER -'],
    ['TY\t- JOUR\nTI\t- tab-separated (asreview)\nER\t- \n'],
    ['Provider: AIP\nDatabase: Silverchair\nContent: text/plain\n\nTY  - JOUR\n'],
    ['Record #1 of 20\n\nTY  - BOOK\n'],
    ['1.\nTY  - JOUR\nER  -\n'],
    ['\n\n\n\nTY  - JOUR\n'],
    ['AU  - Smith, J\nTI  - No TY at all\nER  - \n'],
    ['TY  - \nTI  - empty type\n'],
  ])('recognises RIS: %j', (text) => {
    expect(sniffInput(text)).toEqual({ kind: 'ris', message: null });
  });

  it.each([
    ['', 'empty', /empty/],
    ['   \n\r\n\t\n', 'empty', /empty/],
    ['%PDF-1.7\n%âãÏÓ\n1 0 obj', 'binary', /PDF/],
    ['PK\u0003\u0004\u0014\u0000\u0006\u0000', 'binary', /ZIP/],
    ['TY\u0000 \u0000-\u0000', 'binary', /NUL/],
    [
      '@article{smith2020,\n  title = {A title},\n}\n',
      'bibtex',
      /^Input looks like BibTeX \(@article\{…\), not RIS$/,
    ],
    ['% comment\n@Book{x,\n}', 'bibtex', /@Book/],
    ['PMID- 31234567\nOWN - NLM\nSTAT- MEDLINE\nTI  - A title\nAU  - Smith J\n', 'medline', /MEDLINE/],
    [
      'FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A title\nER\n',
      'wos',
      /Web of Science/,
    ],
    ['PT J\nAU Smith, J\nTI A title\nER\n\nEF\n', 'wos', /Web of Science/],
    ['%0 Journal Article\n%A Smith, John\n%T A title\n', 'endnote-tagged', /EndNote/],
    ['title,author,year\n"A",Smith,2020\n"B",Doe,2021\n', 'csv', /CSV/],
    ['[{"type":"article-journal","title":"A"}]', 'json', /JSON/],
    ['{"items": []}', 'json', /JSON/],
    ['<?xml version="1.0"?>\n<xml><records></records></xml>', 'xml', /XML/],
    ['Just some prose.\nNothing else here.\n', 'unknown', /does not look like RIS/],
  ])('recognises %j as %s', (text, kind, message) => {
    const result = sniffInput(text);
    expect(result.kind).toBe(kind);
    expect(result.message).toMatch(message);
  });
});
