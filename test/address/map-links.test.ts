import { describe, expect, it } from 'vitest';
import type { MappedCitation } from '../../src/citation/types.ts';
import { readMedline } from '../../src/formats/medline.js';
import { mapSourceRecord } from '../../src/formats/read.js';
import { mapRecord } from '../../src/ris/map.js';
import { rec } from '../ris/fixture.js';

function map(tags: Array<[string, string]>): MappedCitation {
  const c = mapRecord(rec('JOUR', [['TI', 'x'], ...tags])).citation;
  if (!c) throw new Error('no citation');
  return c;
}

const links = (c: MappedCitation) => c.contributors.map((p) => [p.affiliations, p.affiliationRules]);

describe('affiliations: one per address, no junk pieces', () => {
  it.each([
    ['Dept of Music, Lake College, Rochester, NY 14618, United States. E-mail: someone@lake.example', 'US'],
    ['Department of Surgery, Harbor Hospital, Taipei, Taiwan (Republic of China). E-mail: a@b.example', 'TW'],
    ['Institute of Health Sciences, Universiti Example, Gadong, Brunei Darussalam', 'BN'],
    ['Department of Nutrition, University of Montreal, Montreal, Quebec, Canada H2L 4M1', 'CA'],
  ])('%s → one affiliation', (value, code) => {
    const c = map([
      ['AU', 'Doe, J.'],
      ['AU', 'Roe, R.'],
      ['AD', value],
    ]);
    expect(c.affiliations).toHaveLength(1);
    expect(c.affiliations[0]?.name).not.toMatch(/e-mail|@/i);
    expect(c.affiliations[0]?.address.country?.code).toBe(code);
    expect(c.affiliations[0]?.country).toBe(c.affiliations[0]?.address.country?.name);
  });
});

describe('explicit author links and their rules', () => {
  it('links the Embase author written in front of the address (NAME_PREFIX), not the others', () => {
    const c = map([
      ['AU', 'Edward, M.'],
      ['AU', 'Rao, S.'],
      [
        'AD',
        'M. Edward, Department of Otology, Coastal Medical College, Mangalore, India. E-mail: me@cmc.example',
      ],
    ]);
    expect(c.affiliations.map((a) => a.name)).toEqual([
      'Department of Otology, Coastal Medical College, Mangalore, India',
    ]);
    expect(c.affiliations[0]?.address.authorNames).toEqual(['M. Edward']);
    expect(links(c)).toEqual([
      [[0], ['NAME_PREFIX']],
      [[], []],
    ]);
  });

  it('matches the name accent-insensitively, and the same address for two authors is one affiliation', () => {
    const c = map([
      ['AU', 'Müller, Hans'],
      ['AU', 'Ng, Alice'],
      ['AD', 'H. Muller, Institute of Physics, Alpine University, Graz, Austria'],
      ['AD', 'A. Ng, Institute of Physics, Alpine University, Graz, Austria'],
    ]);
    expect(c.affiliations).toHaveLength(1);
    expect(links(c)).toEqual([
      [[0], ['NAME_PREFIX']],
      [[0], ['NAME_PREFIX']],
    ]);
  });

  it('links a full-name Embase prefix when the record has that author', () => {
    const c = map([
      ['AU', 'Lindqvist, Marta'],
      ['AU', 'Berg, Olof'],
      ['AD', 'Marta Lindqvist, Institute of Occupational Health, Uppsala, Sweden'],
    ]);
    expect(c.affiliations.map((a) => a.name)).toEqual(['Institute of Occupational Health, Uppsala, Sweden']);
    expect(links(c)).toEqual([
      [[0], ['NAME_PREFIX']],
      [[], []],
    ]);
  });

  it('links the Ovid "Family, Given: address" form', () => {
    const c = map([
      ['AU', "O'Neill, Maura J."],
      ['AU', 'Smith, Bo'],
      ['AD', "O'Neill, Maura J.: Department of Psychology, Harbour University, Halifax, NS, Canada"],
    ]);
    expect(links(c)).toEqual([
      [[0], ['NAME_PREFIX']],
      [[], []],
    ]);
  });

  it('links the corresponding author Scopus names in a note to the address naming the same bodies', () => {
    const c = map([
      ['AU', 'Furlan, T.'],
      ['AU', 'Masti, R.'],
      ['AU', 'Ongaro, V.'],
      ['AD', 'San Marco Veterinary Clinic, Via dell’Industria 3, Veggiano, 35030, Italy'],
      ['AD', 'Department of Animal Science, University of Padova, Legnaro, Italy'],
      ['AD', 'Department of Food Science, University of Padova, Legnaro, Italy'],
      [
        'N1',
        'Export Date: 28 January 2025; Cited By: 0; Correspondence Address: R. Masti; San Marco Veterinary Clinic, Veggiano, Via dell’Industria 3, 35030, Italy; email: r.masti@vet.example',
      ],
    ]);
    expect(links(c)).toEqual([
      [[], []],
      [[0], ['NAME_PREFIX']],
      [[], []],
    ]);
    // The same university with another department is another address: no link to it.
    const other = map([
      ['AU', 'Furlan, T.'],
      ['AU', 'Masti, R.'],
      ['AD', 'Department of Animal Science, University of Padova, Legnaro, Italy'],
      ['N1', 'Correspondence Address: R. Masti; Department of Surgery, University of Padova, Padova, Italy'],
    ]);
    expect(other.contributors.flatMap((p) => p.affiliations)).toEqual([]);
  });

  it('does not link a name that fits two authors', () => {
    const c = map([
      ['AU', 'Kim, S.'],
      ['AU', 'Kim, Sun'],
      ['AD', 'S. Kim, Department of Nursing, Seoul Example University, Seoul, South Korea'],
    ]);
    expect(c.contributors.every((p) => p.affiliations.length === 0)).toBe(true);
  });

  it('names the WoS bracket rule', () => {
    const c = map([
      ['AU', 'Wang, Xiaohua'],
      ['AU', 'Sun, Wei'],
      ['C1', '[Wang, X.] China Med Univ, Shenyang, Peoples R China; [Sun, W.] Univ Tokyo, Tokyo, Japan'],
    ]);
    expect(links(c)).toEqual([
      [[0], ['WOS_BRACKET']],
      [[1], ['WOS_BRACKET']],
    ]);
  });

  it('names the single-author and follows-author rules', () => {
    expect(
      links(
        map([
          ['AD', 'Univ A, Paris, France\nUniv B, Rome, Italy'],
          ['AU', 'Wang, X.'],
        ]),
      ),
    ).toEqual([
      [
        [0, 1],
        ['SINGLE_AUTHOR', 'SINGLE_AUTHOR'],
      ],
    ]);
    expect(
      links(
        map([
          ['AU', 'Wang, X.'],
          ['AD', 'Univ A, Paris, France'],
          ['AU', 'Yin, X.'],
          ['AD', 'Univ B, Rome, Italy'],
        ]),
      ),
    ).toEqual([
      [[0], ['FOLLOWS_AUTHOR']],
      [[1], ['FOLLOWS_AUTHOR']],
    ]);
  });

  it('drops a value that is only an author name, but keeps an address nothing can be read from', () => {
    const c = map([
      ['AU', 'Prowse, S.'],
      ['AU', 'Doe, J.'],
      ['AD', 'S. Prowse'],
      ['AD', '22620 Highway 12, Naches, WA 98937, United States'],
    ]);
    expect(c.affiliations.map((a) => [a.name, a.address.organizations.length])).toEqual([
      ['22620 Highway 12, Naches, WA 98937, United States', 0],
    ]);
  });
});

describe('addresses that follow their authors (MEDLINE)', () => {
  // FAU/AU pairs become one AU each; every author's AD lines come right after it, none when the
  // record gives that author none.
  const tags: Array<[string, string]> = [
    ['AU', 'Wexlund, Ingrid'],
    ['AD', 'Department of Physics, University of Turku, Turku, Finland'],
    ['AD', 'Turku University Hospital, Turku, Finland'],
    ['AU', 'Yarrow, Piet'],
    ['AU', 'Zandvoort, Els'],
    ['AD', 'Leiden University Medical Center, Leiden, Netherlands'],
  ];
  const mapWith = (options: { addressesFollowAuthors?: boolean }) => {
    const c = mapRecord(rec('JOUR', [['TI', 'x'], ...tags]), options).citation;
    if (!c) throw new Error('no citation');
    return c;
  };

  it('links every AD to the author it follows when the format says order is the link', () => {
    const c = mapWith({ addressesFollowAuthors: true });
    expect(links(c)).toEqual([
      [
        [0, 1],
        ['FOLLOWS_AUTHOR', 'FOLLOWS_AUTHOR'],
      ],
      [[], []],
      [[2], ['FOLLOWS_AUTHOR']],
    ]);
  });

  it('does not in plain RIS, where an AD after an author may be everyone’s (unequal counts link nothing)', () => {
    expect(mapWith({}).contributors.flatMap((p) => p.affiliations)).toEqual([]);
  });

  it('links no one through an AD that follows an editor or opens the record', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AD', 'Karolinska Institutet, Stockholm, Sweden'],
        ['AU', 'Lee, Ann'],
        ['AU', 'Kim, Bo'],
        ['ED', 'Park, Cy'],
        ['AD', 'Uppsala University, Uppsala, Sweden'],
      ]),
      { addressesFollowAuthors: true },
    ).citation;
    expect(c?.contributors.map((p) => p.affiliations)).toEqual([[], [], []]);
  });

  it('reads a MEDLINE file that way, and the same tags without the format the RIS way', () => {
    const nbib = [
      'PMID- 99990001',
      'TI  - Per-author addresses.',
      'FAU - Wexlund, Ingrid',
      'AU  - Wexlund I',
      'AD  - Department of Physics, University of Turku, Turku, Finland.',
      'AD  - Turku University Hospital, Turku, Finland.',
      'FAU - Yarrow, Piet',
      'AU  - Yarrow P',
      'FAU - Zandvoort, Els',
      'AU  - Zandvoort E',
      'AD  - Leiden University Medical Center, Leiden, Netherlands.',
      '',
    ].join('\n');
    const [record] = readMedline(nbib).records;
    if (!record) throw new Error('no record');
    const c = mapSourceRecord(record).citation;
    expect(c?.contributors.map((p) => p.affiliations)).toEqual([[0, 1], [], [2]]);
    // The same tags without the format: plain RIS rules.
    const { format: _, ...plain } = record;
    const p = mapSourceRecord(plain).citation;
    expect(p?.contributors.flatMap((x) => x.affiliations)).toEqual([]);
  });
});
