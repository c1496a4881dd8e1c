import { describe, expect, it } from 'vitest';
import {
  affiliationKey,
  authorKey,
  boundKey,
  citationFingerprint,
  keywordKey,
} from '../../src/citation/keys.ts';
import type { MappedName } from '../../src/citation/types.ts';
import {
  displayName,
  foldText,
  isValidIsbn,
  isValidIssn,
  normalizeDoi,
  normalizeIsbn,
  normalizeIssn,
} from '../../src/ris/normalize.js';

const p = (family: string | null, given: string | null, suffix: string | null = null): MappedName => ({
  family,
  given,
  suffix,
  literal: null,
});
const lit = (literal: string): MappedName => ({ family: null, given: null, suffix: null, literal });

describe('normalizeDoi', () => {
  it.each([
    ['10.3892/etm.2017.4229', '10.3892/etm.2017.4229'],
    ['https://doi.org/10.3892/ETM.2017.4229', '10.3892/etm.2017.4229'],
    ['http://dx.doi.org/10.1016/J.CELL.2020.01.001', '10.1016/j.cell.2020.01.001'],
    ['https://www.doi.org/10.1000/xyz', '10.1000/xyz'],
    ['doi:10.1000/xyz', '10.1000/xyz'],
    ['DOI: 10.1000/xyz', '10.1000/xyz'],
    ['  10.1000/xyz.  ', '10.1000/xyz'],
    ['10.1000/xyz;', '10.1000/xyz'],
    ['10.1016/j.\ncell.2020', '10.1016/j.cell.2020'],
    ['https://doi.org/10.1000%2Fabc', '10.1000/abc'],
    ['https://doi.org/doi:10.1000/abc', '10.1000/abc'],
    ['10.1016/S0140-6736(20)30183-5', '10.1016/s0140-6736(20)30183-5'],
    ['(10.1000/xyz)', null],
    ['10.1000/xyz)', '10.1000/xyz'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeDoi(input)).toBe(expected);
  });

  it.each(['', 'not a doi', '10.12/too-short-registrant', 'https://example.org/10.1000', '11.1000/x'])(
    'rejects %j',
    (input) => {
      expect(normalizeDoi(input)).toBeNull();
    },
  );
});

describe('foldText', () => {
  it('strips diacritics and case', () => {
    expect(foldText('Ångström Müller-Lüdenscheidt')).toBe('angstrom muller ludenscheidt');
  });
  it('handles letters NFKD does not decompose', () => {
    expect(foldText('Straße Søren Æsir Łódź Œuvre')).toBe('strasse soren aesir lodz oeuvre');
  });
  it('turns punctuation into single spaces', () => {
    expect(foldText('  Hello,   world!  (test) ')).toBe('hello world test');
  });
  it('keeps non-Latin letters', () => {
    expect(foldText('王小华')).toBe('王小华');
  });
});

describe('authorKey', () => {
  it('is case- and diacritic-insensitive', () => {
    const k = authorKey(p('Wang', 'Xiaohua'));
    expect(authorKey(p('WANG', 'Xiaohua'))).toBe(k);
    expect(authorKey(p('Wang', 'XiaoHua'))).toBe(k);
    expect(authorKey(p('Müller', 'Jörg'))).toBe(authorKey(p('Muller', 'Jorg')));
  });
  it('normalises initials in every written form', () => {
    const k = authorKey(p('Last', 'F.M.'));
    expect(authorKey(p('Last', 'F M'))).toBe(k);
    expect(authorKey(p('Last', 'F. M.'))).toBe(k);
    expect(authorKey(p('Last', 'FM'))).toBe(k);
  });
  it('treats WoS all-caps given names as initials', () => {
    expect(authorKey(p('Sampson', 'SD'))).toBe(authorKey(p('Sampson', 'S.D.')));
  });
  it('does not merge an initial with a full given name', () => {
    expect(authorKey(p('Wang', 'X.'))).not.toBe(authorKey(p('Wang', 'Xiaohua')));
  });
  it('ignores the suffix', () => {
    expect(authorKey(p('King', 'Martin Luther', 'Jr.'))).toBe(authorKey(p('King', 'Martin Luther')));
  });
  it('keys literal names with a lit: prefix', () => {
    expect(authorKey(lit('World Health Organization'))).toBe('lit:world health organization');
    expect(authorKey(lit('WORLD HEALTH ORGANIZATION'))).toBe(authorKey(lit('World Health Organization')));
  });
});

describe('other keys', () => {
  it('affiliationKey folds', () => {
    expect(affiliationKey('Dept. of Médecine, Univ. Paris')).toBe(
      affiliationKey('dept of medecine univ paris'),
    );
  });
  it('keywordKey is case-insensitive', () => {
    expect(keywordKey('Mesenchymal Stem Cells')).toBe(keywordKey('mesenchymal stem cells'));
  });
  it('citationFingerprint uses title, year and first author family', () => {
    const fp = citationFingerprint({
      title: 'A Study: of Things!',
      year: 2017,
      contributors: [
        { role: 'editor', name: p('Editor', 'E') },
        { role: 'author', name: p('Wang', 'Xiaohua') },
      ],
    });
    expect(fp).toBe('a study of things|2017|wang');
    expect(citationFingerprint({ title: null, year: 2017, contributors: [] })).toBeNull();
    expect(citationFingerprint({ title: 'X', year: null, contributors: [] })).toBe('x||');
  });
  it('displayName writes Given Family Suffix', () => {
    expect(displayName(p('Wang', 'Xiaohua'))).toBe('Xiaohua Wang');
    expect(displayName(p('King', 'Martin Luther', 'Jr.'))).toBe('Martin Luther King Jr.');
    expect(displayName(p('Plato', null))).toBe('Plato');
    expect(displayName(lit('World Health Organization'))).toBe('World Health Organization');
  });
});

describe('standard numbers', () => {
  it('validates ISSN check digits', () => {
    expect(isValidIssn('17920981')).toBe(true);
    expect(isValidIssn('0015749X')).toBe(true);
    expect(isValidIssn('17920982')).toBe(false);
    expect(normalizeIssn('16188667')).toBe('1618-8667');
    expect(normalizeIssn('0015-749x')).toBe('0015-749X');
  });
  it('validates ISBN-10 and ISBN-13', () => {
    expect(isValidIsbn('0306406152')).toBe(true);
    expect(isValidIsbn('9780306406157')).toBe(true);
    expect(isValidIsbn('9780306406158')).toBe(false);
    expect(normalizeIsbn('978-0-306-40615-7')).toBe('9780306406157');
    expect(normalizeIsbn('0-8044-2957-x')).toBe('080442957X');
  });
});

describe('boundKey', () => {
  it('leaves every key that fits an index entry as it is', () => {
    const fits = 'ä'.repeat(1300); // 2,600 bytes
    expect(boundKey(fits)).toBe(fits);
    expect(boundKey('wang|xiaohua')).toBe('wang|xiaohua');
  });

  it('shortens a longer key to a stable, distinct one that fits', () => {
    const a = `${'lorem ipsum '.repeat(300)}a`;
    const b = `${'lorem ipsum '.repeat(300)}b`;
    expect(Buffer.byteLength(boundKey(a))).toBeLessThan(2704);
    expect(boundKey(a)).toBe(boundKey(a));
    expect(boundKey(a)).not.toBe(boundKey(b));
    expect(boundKey(a).startsWith('lorem ipsum ')).toBe(true);
  });
});
