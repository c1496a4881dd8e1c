import { describe, expect, it } from 'vitest';
import { parseName, splitNameList } from '../../src/ris/names.js';

const person = (family: string | null, given: string | null, suffix: string | null = null) => ({
  family,
  given,
  suffix,
  literal: null,
});
const literal = (s: string) => ({ family: null, given: null, suffix: null, literal: s });

describe('parseName', () => {
  it.each([
    ['Wang, Xiaohua', person('Wang', 'Xiaohua')],
    // Embase: family first, dotted or hyphenated initials last.
    ['Liu R.', person('Liu', 'R.')],
    ['Adler D.G.', person('Adler', 'D.G.')],
    ['Lee S-H', person('Lee', 'S-H')],
    ['Иванов И.И.', person('Иванов', 'И.И.')],
    ['Wang,Xiaohua', person('Wang', 'Xiaohua')],
    ['  Wang ,  Xiaohua  ', person('Wang', 'Xiaohua')],
    ['Last, F.M.', person('Last', 'F.M.')],
    ['Boisvert, C', person('Boisvert', 'C')],
    ['Sampson, SD', person('Sampson', 'SD')],
    ['Baldwin,S.A.', person('Baldwin', 'S.A.')],
    ['King, Martin Luther, Jr.', person('King', 'Martin Luther', 'Jr.')],
    ['Smith, John, III', person('Smith', 'John', 'III')],
    ['Smith, Jr., John', person('Smith', 'John', 'Jr.')],
    ['van der Berg, Jan', person('van der Berg', 'Jan')],
    ['de la Cruz, Maria', person('de la Cruz', 'Maria')],
    ['Council, John', person('Council', 'John')],
    ['王, 小华', person('王', '小华')],
    // Zotero splits `Family, Given` at the comma whatever the family part holds.
    ['Name1, Author', person('Name1', 'Author')],
    ['Author2, Second', person('Author2', 'Second')],
    ['Nguyen2nd, T.', person('Nguyen2nd', 'T.')],
    // A generational suffix written after the family name stays a suffix.
    ['Raymond 3rd, Delbert M.', person('Raymond', 'Delbert M.', '3rd')],
    ['Smith III, John', person('Smith', 'John', 'III')],
    ['Walker Jr., Harold', person('Walker', 'Harold', 'Jr.')],
    ['Walker Jr, Harold', person('Walker', 'Harold', 'Jr')],
  ])('comma form %j', (raw, expected) => {
    expect(parseName(raw)).toEqual(expected);
  });

  it.each([
    ['C. Munteanu', person('Munteanu', 'C.')],
    ['A. Author-One', person('Author-One', 'A.')],
    ['Jan van der Berg', person('van der Berg', 'Jan')],
    ['Maria de la Cruz', person('de la Cruz', 'Maria')],
    ['John Ronald Reuel Tolkien', person('Tolkien', 'John Ronald Reuel')],
    ['John Smith Jr.', person('Smith', 'John', 'Jr.')],
    ['Wang X', person('Wang', 'X')],
    ['Smith JA', person('Smith', 'JA')],
    ['de la Cruz', person('de la Cruz', null)],
    ['Aristotle', person('Aristotle', null)],
  ])('given-first / bare form %j', (raw, expected) => {
    expect(parseName(raw)).toEqual(expected);
  });

  it.each([
    'World Health Organization',
    'The COVID-19 Study Group',
    'R Core Team',
    'European Respiratory Society',
    'Cochrane Collaboration',
    'GBD 2019 Diseases and Injuries Collaborators',
    'COVID-19 Research Group, Wuhan',
    'Study 329, Investigators',
    'University of California, Davis',
    'National Institute for Health and Care Excellence',
    'WHO',
    'UNESCO',
    '王小华',
    '김 철수',
    'the quick brown fox jumps over',
  ])('literal %j', (raw) => {
    expect(parseName(raw)).toEqual(literal(raw));
  });

  it('returns an empty name for blank input', () => {
    expect(parseName('   ')).toEqual({ family: null, given: null, suffix: null, literal: null });
    expect(parseName('')).toEqual({ family: null, given: null, suffix: null, literal: null });
  });
});

describe('splitNameList', () => {
  it('splits on semicolons', () => {
    expect(splitNameList('Wang, X.; Yin, X.;Sun, W.')).toEqual(['Wang, X.', 'Yin, X.', 'Sun, W.']);
  });
  it('splits on continuation line breaks', () => {
    expect(splitNameList('Wang, Xiaohua\nYin, Xiaoguang')).toEqual(['Wang, Xiaohua', 'Yin, Xiaoguang']);
  });
  it('drops empty parts and collapses spaces', () => {
    expect(splitNameList(' ;Wang,   X. ; ; ')).toEqual(['Wang, X.']);
    expect(splitNameList('')).toEqual([]);
  });
  it('keeps one name whole', () => {
    expect(splitNameList('King, Martin Luther, Jr.')).toEqual(['King, Martin Luther, Jr.']);
  });
});

describe('splitNameList comma-joined lists', () => {
  it('splits on full-width and Arabic semicolons', () => {
    expect(splitNameList('王小华；李明')).toEqual(['王小华', '李明']);
  });
  it('splits Vancouver lists', () => {
    expect(splitNameList('Abrutzky R, Alahmad B, Coelho MSZS, de Donato F')).toEqual([
      'Abrutzky R',
      'Alahmad B',
      'Coelho MSZS',
      'de Donato F',
    ]);
  });
  it('splits a list of two Vancouver names, but not `Last, First I`', () => {
    expect(splitNameList('Abrutzky R, Alahmad B')).toEqual(['Abrutzky R', 'Alahmad B']);
    expect(splitNameList('Smith, John A')).toEqual(['Smith, John A']);
  });
  it('splits initials-first lists', () => {
    expect(splitNameList('M Ragazzi, S Fedrizzi, EC Rada')).toEqual(['M Ragazzi', 'S Fedrizzi', 'EC Rada']);
  });
  it('splits long lists of bare family names', () => {
    expect(splitNameList('Amre, Barnes, Bergeron, Braun')).toEqual(['Amre', 'Barnes', 'Bergeron', 'Braun']);
  });
  it('does not split a single name with a suffix or a corporate name', () => {
    expect(splitNameList('Smith, John, III')).toEqual(['Smith, John, III']);
    expect(splitNameList('Team, The Global Adaptation Mapping')).toEqual([
      'Team, The Global Adaptation Mapping',
    ]);
  });
  it('drops et al.', () => {
    expect(splitNameList('Wang, X.; et al.')).toEqual(['Wang, X.']);
  });
});

describe('particles in lists and Vancouver names', () => {
  it('parses an elided particle', () => {
    expect(parseName("de'Donato F")).toEqual(person("de'Donato", 'F'));
  });
  it('splits family-name lists with particles', () => {
    expect(splitNameList('Andres, De Rooy, Duarte, van Tilburg')).toEqual([
      'Andres',
      'De Rooy',
      'Duarte',
      'van Tilburg',
    ]);
  });
});
