import { describe, expect, it } from 'vitest';
import type { MappedCitation } from '../../src/citation/types.ts';
import { mapRecord, parseRisDate } from '../../src/ris/map.js';
import { risTypeInfo } from '../../src/ris/types-map.js';
import { rec } from './fixture.js';

function cite(type: string, tags: Array<[string, string]>): MappedCitation {
  const r = mapRecord(rec(type, tags));
  if (!r.citation) throw new Error(`no citation: ${JSON.stringify(r.problems)}`);
  return r.citation;
}

const TITLE =
  'Intravenous infusion umbilical cord-derived mesenchymal stem cell in primary immune thrombocytopenia: A two-year follow-up';
const RUN =
  'Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin 136000, P.R. China Jilin Tuhua Bioengineering Company Ltd., Siping, Jilin 136000, P.R. China Department of Tissue Engineering, China Medical University, Shenyang, Liaoning 110122, P.R. China Department of Vascular Surgery, Xuanwu Hospital of Capital Medical University, Beijing 100053, P.R. China';

describe('seed record', () => {
  const authors = 'Wang,Xiaohua Yin,Xiaoguang Sun,Wei Bai,Jin Shen,Yawen Ao,Qiang Gu,Yongquan Liu,Ying'.split(
    ' ',
  );
  const tags: Array<[string, string]> = [
    ['AB', 'Four patients with chronic immune thrombocytopenia received infusions.'],
    ['AD', RUN],
    ...authors.map((a): [string, string] => ['AU', a]),
    ['DA', '2017/05/01'],
    ['DO', '10.3892/etm.2017.4229'],
    ['EP', '2258'],
    ['IS', '5'],
    ['JO', 'Exp Ther Med'],
    [
      'KW',
      'chronic immune thrombocytopenic purpura human umbilical cord-derived mesenchymal stem cells intravenous infusion safety efficacy',
    ],
    ['PY', '2017'],
    ['SN', '1792-0981 1792-1015'],
    ['SP', '2255'],
    ['ST', TITLE],
    ['T2', 'Experimental and Therapeutic Medicine'],
    ['TI', TITLE],
    ['UR', 'https://doi.org/10.3892/etm.2017.4229'],
    ['VL', '13'],
  ];
  const r = mapRecord(rec('JOUR', tags));
  const c = r.citation as MappedCitation;

  it('maps every field', () => {
    expect(r.problems).toEqual([]);
    expect(c.risType).toBe('JOUR');
    expect(c.title).toBe(TITLE);
    expect(c.shortTitle).toBe(TITLE);
    expect(c.containerTitle).toBe('Experimental and Therapeutic Medicine');
    expect(c.journalAbbreviation).toBe('Exp Ther Med');
    expect(c.abstract).toBe('Four patients with chronic immune thrombocytopenia received infusions.');
    expect(c.year).toBe(2017);
    expect(c.date).toBe('2017-05-01');
    expect(c.datePrecision).toBe('day');
    expect(c.volume).toBe('13');
    expect(c.issue).toBe('5');
    expect(c.startPage).toBe('2255');
    expect(c.endPage).toBe('2258');
    expect(c.doi).toBe('10.3892/etm.2017.4229');
    expect(c.issns).toEqual(['1792-0981', '1792-1015']);
    expect(c.isbns).toEqual([]);
    expect(c.urls).toEqual(['https://doi.org/10.3892/etm.2017.4229']);
  });

  it('keeps the 8 authors in order', () => {
    expect(c.contributors.map((p) => [p.role, p.name.family, p.name.given, p.asWritten])).toEqual(
      authors.map((a) => {
        const [family, given] = a.split(',');
        return ['author', family, given, a];
      }),
    );
  });

  it('splits the address run into four Chinese affiliations, unlinked', () => {
    expect(c.affiliations).toHaveLength(4);
    expect(c.affiliations.every((a) => a.country === 'China' && a.name.endsWith('P.R. China'))).toBe(true);
    expect(c.contributors.every((p) => p.affiliations.length === 0)).toBe(true);
  });

  it('keeps rawTags in order and the raw text', () => {
    expect(c.rawTags).toEqual([
      { tag: 'TY', value: 'JOUR' },
      ...tags.map(([tag, value]) => ({ tag, value })),
    ]);
    expect(c.raw).toContain('TY  - JOUR');
  });
});

describe('types', () => {
  it('keeps legacy types', () => {
    for (const t of ['JFULL', 'ABST', 'INPR', 'CPAPER', 'ELEC']) {
      const r = mapRecord(rec(t, [['TI', 'x']]));
      expect(r.citation?.risType).toBe(t);
      expect(r.problems).toEqual([]);
    }
  });

  it('keeps an unknown type with an info problem', () => {
    const r = mapRecord(rec('HTML', [['TI', 'x']]));
    expect(r.citation?.risType).toBe('HTML');
    expect(r.problems).toMatchObject([{ severity: 'info', record: 1, line: 1 }]);
    expect(r.problems[0]?.message).toMatch(/^record 1 \(line 1\): unknown reference type 'HTML'/);
  });

  it('turns an empty type into GEN with a warning', () => {
    const r = mapRecord(rec('', [['TI', 'x']]));
    expect(r.citation?.risType).toBe('GEN');
    expect(r.problems).toMatchObject([{ severity: 'warning', line: 1 }]);
  });

  it('has a row for every 2011 type with a CSL type', () => {
    expect(risTypeInfo('CHAP')).toMatchObject({ csl: 'chapter', container: 'book', era: 'old' });
    expect(risTypeInfo('EJOUR')).toMatchObject({
      csl: 'article-journal',
      periodical: true,
      daIsAccessed: true,
    });
    expect(risTypeInfo('WEB')).toMatchObject({ era: 'x', vlIsVolume: false });
    expect(risTypeInfo('NOPE')).toMatchObject({ known: false, csl: 'document' });
  });
});

describe('unmappable records', () => {
  it('rejects a record with only TY', () => {
    const r = mapRecord(rec('JOUR', []));
    expect(r.citation).toBeNull();
    expect(r.problems).toEqual([
      {
        record: 1,
        line: 1,
        severity: 'error',
        message: 'record 1 (line 1): no title, DOI, authors or container title; nothing to store',
      },
    ]);
  });

  it('rejects a record with nothing identifying', () => {
    const r = mapRecord(
      rec('JOUR', [
        ['PY', '2017'],
        ['VL', '3'],
        ['KW', 'x'],
      ]),
    );
    expect(r.citation).toBeNull();
    expect(r.problems.at(-1)?.severity).toBe('error');
  });

  it.each([
    ['DO', '10.1000/xyz'],
    ['AU', 'Wang, X.'],
    ['T2', 'Journal'],
  ])('accepts a record identified only by %s', (tag, value) => {
    expect(mapRecord(rec('JOUR', [[tag, value]])).citation).not.toBeNull();
  });
});

describe('titles', () => {
  it('prefers TI over T1 over CT', () => {
    expect(
      cite('JOUR', [
        ['T1', 'legacy'],
        ['TI', 'modern'],
      ]).title,
    ).toBe('modern');
    expect(
      cite('JOUR', [
        ['CT', 'ct'],
        ['T1', 'legacy'],
      ]).title,
    ).toBe('legacy');
    expect(cite('UNPB', [['CT', 'ct']]).title).toBe('ct');
  });

  it('uses BT as the title only for book types', () => {
    expect(cite('BOOK', [['BT', 'The Book']]).title).toBe('The Book');
    const chap = cite('CHAP', [
      ['TI', 'Chapter'],
      ['BT', 'The Book'],
    ]);
    expect(chap.title).toBe('Chapter');
    expect(chap.containerTitle).toBe('The Book');
  });

  it('joins wrapped title lines', () => {
    expect(cite('JOUR', [['TI', 'A long\n  wrapped title']]).title).toBe('A long wrapped title');
  });

  it('reads ST as the short title', () => {
    expect(
      cite('JOUR', [
        ['TI', 'Long'],
        ['ST', 'Short'],
      ]).shortTitle,
    ).toBe('Short');
  });
});

describe('container titles', () => {
  it('finds a journal given only in BT, or only as an abbreviation', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['BT', 'Journal of X'],
      ]).containerTitle,
    ).toBe('Journal of X');
    const abbreviated = cite('JOUR', [
      ['TI', 'x'],
      ['JA', 'J. X'],
    ]);
    expect([abbreviated.containerTitle, abbreviated.journalAbbreviation]).toEqual(['J. X', 'J. X']);
  });

  it('T2 is the journal for JOUR; JF then JO are fallbacks', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['JF', 'Full'],
        ['T2', 'T2 name'],
      ]).containerTitle,
    ).toBe('T2 name');
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['JO', 'Abbr'],
        ['JF', 'Full'],
      ]).containerTitle,
    ).toBe('Full');
  });

  it('JO alone is the container, not the abbreviation', () => {
    const c = cite('JOUR', [
      ['TI', 'x'],
      ['JO', 'J Chem Phys'],
    ]);
    expect(c.containerTitle).toBe('J Chem Phys');
    expect(c.journalAbbreviation).toBeNull();
  });

  it('abbreviation: J2 › JA › J1 › JO', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['T2', 'F'],
        ['JO', 'jo'],
        ['JA', 'ja'],
        ['J2', 'j2'],
      ]).journalAbbreviation,
    ).toBe('j2');
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['T2', 'F'],
        ['JO', 'jo'],
        ['J1', 'j1'],
        ['JA', 'ja'],
      ]).journalAbbreviation,
    ).toBe('ja');
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['JF', 'F'],
        ['JO', 'jo'],
        ['J1', 'j1'],
      ]).journalAbbreviation,
    ).toBe('j1');
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['JF', 'F'],
        ['JO', 'jo'],
      ]).journalAbbreviation,
    ).toBe('jo');
  });

  it('T2 is the book for CHAP, BT the fallback', () => {
    expect(
      cite('CHAP', [
        ['TI', 'x'],
        ['T2', 'Book'],
        ['BT', 'Other'],
      ]).containerTitle,
    ).toBe('Book');
  });

  it('C3 (proceedings) beats T2 (conference name) for CONF', () => {
    expect(
      cite('CONF', [
        ['TI', 'x'],
        ['T2', 'Conf 2020'],
        ['C3', 'Proceedings of Conf 2020'],
      ]).containerTitle,
    ).toBe('Proceedings of Conf 2020');
    expect(
      cite('CPAPER', [
        ['TI', 'x'],
        ['T2', 'Conf 2020'],
      ]).containerTitle,
    ).toBe('Conf 2020');
  });

  it('ignores Web of Science C3 organisation lists', () => {
    const c = cite('CPAPER', [
      ['TI', 'x'],
      ['T2', 'Conf'],
      ['C3', 'University of Toronto'],
      ['J9', 'CONF'],
    ]);
    expect(c.containerTitle).toBe('Conf');
  });

  it('T2 is a series for BOOK, not a container', () => {
    expect(
      cite('BOOK', [
        ['TI', 'x'],
        ['T2', 'Lecture Notes'],
      ]).containerTitle,
    ).toBeNull();
  });
});

describe('abstract and notes', () => {
  it('prefers AB over N2 and joins several AB with blank lines', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['N2', 'old'],
        ['AB', 'one'],
        ['AB', 'two'],
      ]).abstract,
    ).toBe('one\n\ntwo');
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['N2', 'old'],
      ]).abstract,
    ).toBe('old');
  });

  it('keeps each N1/RN as a note and drops N1 repeating the title', () => {
    expect(
      cite('JOUR', [
        ['TI', 'The Title'],
        ['N1', 'the title.'],
        ['N1', 'a note'],
        ['RN', 'research'],
      ]).notes,
    ).toEqual(['a note', 'research']);
  });
});

describe('dates', () => {
  const date = (tags: Array<[string, string]>) => {
    const r = mapRecord(rec('JOUR', [['TI', 'x'], ...tags]));
    const c = r.citation as MappedCitation;
    return { year: c.year, date: c.date, precision: c.datePrecision, problems: r.problems };
  };

  it.each([
    ['PY', '2017', 2017, '2017', 'year'],
    ['DA', '2016/12//', 2016, '2016-12', 'month'],
    ['DA', '2018/4/25', 2018, '2018-04-25', 'day'],
    ['DA', '2021-04-05', 2021, '2021-04-05', 'day'],
    ['DA', '2024-05//', 2024, '2024-05', 'month'],
    ['DA', '2015/october', 2015, '2015-10', 'month'],
    ['Y1', '1999/12/31/Winter', 1999, '1999-12-31', 'day'],
    ['DA', '2019///', 2019, '2019', 'year'],
    ['DA', '2020/07//undefined', 2020, '2020-07', 'month'],
    ['Y1', 'Mar. 2017', 2017, '2017-03', 'month'],
    ['Y1', '4-8 Aug. 2020', 2020, '2020-08', 'month'],
    ['DA', '2024-02-01', 2024, '2024-02-01', 'day'],
    ['PY', 'c2005', 2005, '2005', 'year'],
    ['PY', '[2005]', 2005, '2005', 'year'],
    ['DA', '2020/01/02 12:34:56', 2020, '2020-01-02', 'day'],
    ['PY', '2005/2006', 2005, '2005', 'year'],
  ] as const)('%s %j', (tag, value, year, iso, precision) => {
    const d = date([[tag, value]]);
    expect([d.year, d.date, d.precision]).toEqual([year, iso, precision]);
    expect(d.problems).toEqual([]);
  });

  it('completes a WoS month-day DA with the PY year', () => {
    expect(
      date([
        ['DA', 'SEP 22'],
        ['PY', '2020'],
      ]),
    ).toMatchObject({ year: 2020, date: '2020-09-22', precision: 'day' });
    expect(
      date([
        ['DA', 'SEP'],
        ['PY', '2018'],
      ]),
    ).toMatchObject({ date: '2018-09', precision: 'month' });
  });

  it('warns about a month and day with no year anywhere, and stores no date', () => {
    const d = date([['PY', 'JAN 23']]);
    expect([d.year, d.date, d.precision]).toEqual([null, null, null]);
    expect(d.problems).toMatchObject([
      { severity: 'warning', line: 3, message: expect.stringMatching(/no year/) },
    ]);
  });

  it('keeps a season or month range to the year, without a warning', () => {
    expect(
      date([
        ['DA', 'Jan-Feb'],
        ['PY', '2018'],
      ]),
    ).toMatchObject({ date: '2018', precision: 'year', problems: [] });
    expect(
      date([
        ['DA', 'SPR'],
        ['PY', '2018'],
      ]),
    ).toMatchObject({ date: '2018', problems: [] });
  });

  it('warns about ///nan and stores nothing', () => {
    const d = date([['DA', '///nan']]);
    expect([d.year, d.date, d.precision]).toEqual([null, null, null]);
    expect(d.problems).toMatchObject([{ severity: 'warning', line: 3 }]);
  });

  it('stores nothing for 0000', () => {
    expect(date([['PY', '0000']])).toMatchObject({ year: null, date: null });
  });

  it('reduces precision of impossible dates with a warning', () => {
    const m13 = date([['DA', '2017/13/01']]);
    expect(m13).toMatchObject({ date: '2017', precision: 'year' });
    expect(m13.problems).toMatchObject([{ severity: 'warning', line: 3 }]);
    const feb30 = date([['DA', '2017/02/30']]);
    expect(feb30).toMatchObject({ date: '2017-02', precision: 'month' });
    expect(feb30.problems).toHaveLength(1);
    expect(date([['DA', '2016/02/29']])).toMatchObject({ date: '2016-02-29', problems: [] });
  });

  it('DA › Y1 › PY for the date, PY for the year', () => {
    expect(
      date([
        ['PY', '2017'],
        ['Y1', '2017/03/02'],
        ['DA', '2016/12//'],
      ]),
    ).toMatchObject({
      year: 2017,
      date: '2016-12',
    });
    expect(date([['PY', '2017/05/01/']])).toMatchObject({ year: 2017, date: '2017-05-01' });
  });

  it('warns when the full date names another year than PY', () => {
    const d = date([
      ['PY', '2017'],
      ['DA', '2016/05/01'],
    ]);
    expect([d.year, d.date]).toEqual([2017, '2016-05-01']);
    expect(d.problems).toMatchObject([
      {
        severity: 'warning',
        line: 4,
        message: expect.stringMatching(/DA gives the year 2016 but PY says 2017/),
      },
    ]);
  });

  it('lets a later tag add precision it agrees with', () => {
    expect(
      date([
        ['DA', '2017'],
        ['Y1', '2017/05/01'],
      ]),
    ).toMatchObject({ date: '2017-05-01' });
    expect(
      date([
        ['DA', '2017/04'],
        ['Y1', '2017/05/01'],
      ]),
    ).toMatchObject({ date: '2017-04' });
  });

  it('ignores a DA that is an access date (EJOUR) when it disagrees with PY', () => {
    const c = cite('EJOUR', [
      ['TI', 'x'],
      ['DA', '2023/01/05'],
      ['PY', '2019'],
    ]);
    expect([c.year, c.date]).toEqual([2019, '2019']);
  });

  it('parseRisDate never invents parts', () => {
    expect(parseRisDate('2019')).toEqual({ year: 2019, month: null, day: null, invalid: null });
    expect(parseRisDate('06/15/2019')).toEqual({ year: 2019, month: 6, day: 15, invalid: null });
    expect(parseRisDate('Publication Year')).toBeNull();
  });
});

describe('volume and issue', () => {
  it("reads EndNote's journal issue from M1 when there is no IS, and only when it is a number", () => {
    const issue = (tags: Array<[string, string]>) => cite('JOUR', [['TI', 'x'], ...tags]).issue;
    expect(issue([['M1', '4']])).toBe('4');
    expect(
      issue([
        ['IS', '2'],
        ['M1', '4'],
      ]),
    ).toBe('2');
    expect(issue([['M1', 'Query date: 2022-03-14 11:14:54']])).toBeNull();
    expect(issue([['M1', 'Copyright (C) 2016 American Chemical Society']])).toBeNull();
  });

  it('reads VL and IS, CP as the legacy issue', () => {
    const c = cite('JOUR', [
      ['TI', 'x'],
      ['VL', '13'],
      ['CP', '4'],
    ]);
    expect([c.volume, c.issue]).toEqual(['13', '4']);
  });

  it('does not read VL as a volume where it means edition/degree/access year', () => {
    expect(
      cite('COMP', [
        ['TI', 'x'],
        ['VL', '2.0'],
      ]).volume,
    ).toBeNull();
    expect(
      cite('THES', [
        ['TI', 'x'],
        ['VL', 'PhD'],
      ]).volume,
    ).toBeNull();
    expect(
      cite('WEB', [
        ['TI', 'x'],
        ['VL', '2021'],
      ]).volume,
    ).toBeNull();
  });

  it('uses M1 as the issue for CONF/EJOUR/MGZN when IS is absent', () => {
    expect(
      cite('MGZN', [
        ['TI', 'x'],
        ['M1', '7'],
      ]).issue,
    ).toBe('7');
    expect(
      cite('EJOUR', [
        ['TI', 'x'],
        ['IS', '2'],
        ['M1', '7'],
      ]).issue,
    ).toBe('2');
    expect(
      cite('CONF', [
        ['TI', 'x'],
        ['M1', 'Query date: 2022-03-14 11:20:56'],
      ]).issue,
    ).toBeNull();
  });

  it('does not read IS on CHAP (number of volumes)', () => {
    expect(
      cite('CHAP', [
        ['TI', 'x'],
        ['IS', '3'],
      ]).issue,
    ).toBeNull();
  });
});

describe('pages, prefixed', () => {
  it('drops the dangling hyphen of a range whose end was lost', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['SP', '5-'],
      ]).startPage,
    ).toBe('5');
  });

  it('strips "Pages" and "page" whole', () => {
    const p = (v: string) =>
      cite('JOUR', [
        ['TI', 'x'],
        ['SP', v],
      ]);
    expect([p('Pages 10-20').startPage, p('Pages 10-20').endPage]).toEqual(['10', '20']);
    expect(p('page 5').startPage).toBe('5');
    expect(p('pp. 7-9').startPage).toBe('7');
  });
});

describe('pages', () => {
  const pages = (tags: Array<[string, string]>, type = 'JOUR') => {
    const c = cite(type, [['TI', 'x'], ...tags]);
    return [c.startPage, c.endPage];
  };

  it.each([
    [
      [
        ['SP', '2255'],
        ['EP', '2258'],
      ],
      ['2255', '2258'],
    ],
    [[['SP', '1112-1125']], ['1112', '1125']],
    [[['SP', '1112–25']], ['1112', '1125']],
    [[['SP', '1112 – 1125']], ['1112', '1125']],
    [[['SP', 'e93512']], ['e93512', null]],
    [[['SP', 'pp. 12-19']], ['12', '19']],
    [[['SP', 'S12-S19']], ['S12', 'S19']],
    [
      [
        ['SP', '12-19'],
        ['EP', '20'],
      ],
      ['12', '20'],
    ],
    [[['SP', 'N.PAG']], [null, null]],
    [[['C7', '104512']], ['104512', null]],
    [
      [
        ['SP', '5'],
        ['C7', '104512'],
      ],
      ['5', null],
    ],
    [[['C7', 'search, search, search']], [null, null]],
  ] as Array<[Array<[string, string]>, [string | null, string | null]]>)('%j', (tags, expected) => {
    expect(pages(tags)).toEqual(expected);
  });

  it('reads a lone SP on BOOK as a page count, not a first page', () => {
    expect(pages([['SP', '352']], 'BOOK')).toEqual([null, null]);
  });
});

describe('DOI', () => {
  it('normalises DO', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['DO', 'https://doi.org/10.3892/ETM.2017.4229'],
      ]).doi,
    ).toBe('10.3892/etm.2017.4229');
  });

  it.each([
    ['M3', '10.1000/ABC'],
    ['M3', 'doi: 10.1000/abc'],
    ['N1', 'doi: 10.1000/abc'],
    ['N1', 'Some note\nhttps://doi.org/10.1000/ABC'],
    ['UR', 'https://dx.doi.org/10.1000/abc'],
    ['L3', 'http://doi.org/10.1000/abc'],
    ['L3', '10.1000/abc'],
    ['UR', 'https://doi.org/10.1000/abc,https://b.org/x'],
  ])('finds a DOI in %s %j', (tag, value) => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        [tag, value],
      ]).doi,
    ).toBe('10.1000/abc');
  });

  it("does not take a DOI mentioned in N1 prose (an erratum, a reference) as the record's own", () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['N1', 'Erratum in: J Foo. 2020;3:4. doi:10.1000/other.paper'],
      ]).doi,
    ).toBeNull();
  });

  it('does not take a DOI-looking path from a publisher URL', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['UR', 'https://link.springer.com/article/10.1007/s1234'],
      ]).doi,
    ).toBeNull();
  });

  it('warns about an invalid DO and falls back', () => {
    const r = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['DO', 'not-a-doi'],
        ['M3', '10.1000/abc'],
      ]),
    );
    expect(r.citation?.doi).toBe('10.1000/abc');
    expect(r.problems).toMatchObject([{ severity: 'warning', line: 3 }]);
    expect(r.problems[0]?.message).toContain('not-a-doi');
  });

  it('takes the first of several DOIs in one DO', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['DO', '10.1000/abc 10.1000/def'],
      ]).doi,
    ).toBe('10.1000/abc');
  });
});

describe('ISSN and ISBN', () => {
  const sn = (type: string, value: string, extra: Array<[string, string]> = []) => {
    const r = mapRecord(rec(type, [['TI', 'x'], ['SN', value], ...extra]));
    return {
      issns: r.citation?.issns,
      isbns: r.citation?.isbns,
      problems: r.problems,
      raw: r.citation?.rawTags,
    };
  };

  it('splits several ISSNs and strips annotations', () => {
    expect(sn('JOUR', '1792-0981 1792-1015').issns).toEqual(['1792-0981', '1792-1015']);
    expect(sn('JOUR', '1792-0981 (Print); 1792-1015 (Electronic)').issns).toEqual(['1792-0981', '1792-1015']);
    expect(sn('JOUR', '0015-749X and 1938-3738, 1792-0981').issns).toEqual([
      '0015-749X',
      '1938-3738',
      '1792-0981',
    ]);
  });

  it('hyphenates an unhyphenated ISSN', () => {
    expect(sn('JOUR', '16188667 (ISSN)').issns).toEqual(['1618-8667']);
  });

  it('normalises ISBNs for book types', () => {
    const r = sn('BOOK', '978-0-306-40615-7 (ISBN); 0-306-40615-2 (ISBN)');
    expect(r.isbns).toEqual(['9780306406157', '0306406152']);
    expect(r.issns).toEqual([]);
  });

  it('decides by pattern for other types', () => {
    const r = sn('GEN', '1792-0981 9780306406157');
    expect([r.issns, r.isbns]).toEqual([['1792-0981'], ['9780306406157']]);
  });

  it('warns about an invalid check digit and keeps the value out', () => {
    const r = sn('JOUR', '1792-0982');
    expect(r.issns).toEqual([]);
    expect(r.problems).toMatchObject([{ severity: 'warning', line: 3 }]);
    expect(r.problems[0]?.message).toContain('1792-0982');
    expect(r.raw).toContainEqual({ tag: 'SN', value: '1792-0982' });
  });

  it('reads SN as a number for reports and patents (rawTags only)', () => {
    for (const t of ['RPRT', 'PAT', 'STAND']) {
      const r = sn(t, 'TR-2020-17');
      expect([r.issns, r.isbns, r.problems]).toEqual([[], [], []]);
    }
  });

  it('reads an ISSN or ISBN written with spaces or a label as one number', () => {
    const c = (v: string) =>
      cite('JOUR', [
        ['TI', 'x'],
        ['SN', v],
      ]);
    expect(c('0028 0836').issns).toEqual(['0028-0836']);
    expect(c('ISBN 0 306 40615 2').isbns).toEqual(['0306406152']);
  });

  it('reads WoS BN', () => {
    expect(sn('JOUR', '1792-0981', [['BN', '978-0-306-40615-7']]).isbns).toEqual(['9780306406157']);
  });
});

describe('identifiers next to other text', () => {
  it('takes the DOI of a doi.org link without the URL after it', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['UR', 'https://doi.org/10.1000/abc;https://example.com/x'],
      ]).doi,
    ).toBe('10.1000/abc');
  });

  it('drops a PubMed-style annotation after a DOI', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['DO', '10.1000/abc [doi]'],
      ]).doi,
    ).toBe('10.1000/abc');
  });
});

describe('URLs', () => {
  it('splits UR on ; and whitespace, keeps only web URLs, dedupes in order', () => {
    const c = cite('JOUR', [
      ['TI', 'x'],
      ['UR', 'https://a.org/1; https://b.org/2\nhttps://a.org/1 PM:12345'],
      ['UR', 'ftp://c.org/3'],
      ['L2', 'https://full.text/pdf'],
      ['L1', 'internal-pdf://x.pdf'],
    ]);
    expect(c.urls).toEqual(['https://a.org/1', 'https://b.org/2', 'ftp://c.org/3', 'https://full.text/pdf']);
  });

  it('keeps ; inside a URL and splits only where the next URL starts', () => {
    const c = cite('JOUR', [
      ['TI', 'x'],
      [
        'UR',
        'http://www.indianjpsychiatry.org/article.asp?issn=0019-5545;year=2016;volume=58;issue=1;spage=12',
      ],
      ['UR', 'https://doi.org/10.1890/1051-0761(2001)011[1349:FEONPA]2.0.CO;2;https://example.com/x;'],
    ]);
    expect(c.urls).toEqual([
      'http://www.indianjpsychiatry.org/article.asp?issn=0019-5545;year=2016;volume=58;issue=1;spage=12',
      'https://doi.org/10.1890/1051-0761(2001)011[1349:FEONPA]2.0.CO;2',
      'https://example.com/x',
    ]);
    expect(c.doi).toBe('10.1890/1051-0761(2001)011[1349:feonpa]2.0.co;2');
  });

  it('joins a long URL wrapped onto the next line, and unwraps <…>', () => {
    const c = cite('JOUR', [
      ['TI', 'x'],
      ['UR', 'https://example.org/a/very/long/path/that/the/exporter/wrapped?a=1234567890\n1234567890'],
      ['UR', '<https://example.com/a>'],
    ]);
    expect(c.urls).toEqual([
      'https://example.org/a/very/long/path/that/the/exporter/wrapped?a=12345678901234567890',
      'https://example.com/a',
    ]);
  });

  it('keeps scheme-less links, made usable', () => {
    const c = cite('JOUR', [
      ['TI', 'x'],
      ['UR', 'www.aliem.com/MEdIC-Series'],
      ['UR', '//www.sciencedirect.com/science/article/pii/S1359645416307273'],
    ]);
    expect(c.urls).toEqual([
      'http://www.aliem.com/MEdIC-Series',
      'https://www.sciencedirect.com/science/article/pii/S1359645416307273',
    ]);
  });

  it('uses LK only without UR', () => {
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['LK', 'https://lk.org'],
      ]).urls,
    ).toEqual(['https://lk.org']);
    expect(
      cite('JOUR', [
        ['TI', 'x'],
        ['LK', 'https://lk.org'],
        ['UR', 'https://ur.org'],
      ]).urls,
    ).toEqual(['https://ur.org']);
  });
});

describe('publisher, place, language', () => {
  it('reads PB, CY, LA', () => {
    const c = cite('BOOK', [
      ['TI', 'x'],
      ['PB', 'Springer'],
      ['CY', 'Berlin'],
      ['LA', 'English'],
    ]);
    expect([c.publisher, c.place, c.language]).toEqual(['Springer', 'Berlin', 'English']);
  });

  it('takes the place published of a conference paper from C1, not the conference location in CY', () => {
    const c = cite('CPAPER', [
      ['TI', 'x'],
      ['CY', 'Paris, France'],
      ['C1', 'New York'],
    ]);
    expect(c.place).toBe('New York');
    expect(
      cite('CONF', [
        ['TI', 'x'],
        ['CY', 'Paris, France'],
      ]).place,
    ).toBe('Paris, France');
  });

  it('falls back to WoS PU/PI', () => {
    const c = cite('JOUR', [
      ['TI', 'x'],
      ['PU', 'CAMBRIDGE UNIV PRESS'],
      ['PI', 'CAMBRIDGE'],
    ]);
    expect([c.publisher, c.place]).toEqual(['CAMBRIDGE UNIV PRESS', 'CAMBRIDGE']);
  });
});

describe('contributors', () => {
  const roles = (type: string, tags: Array<[string, string]>) =>
    cite(type, [['TI', 'x'], ...tags]).contributors.map((p) => [p.role, p.asWritten]);

  it('AU and A1 are authors, merged in file order', () => {
    expect(
      roles('JOUR', [
        ['A1', 'One, A.'],
        ['AU', 'Two, B.'],
      ]),
    ).toEqual([
      ['author', 'One, A.'],
      ['author', 'Two, B.'],
    ]);
  });

  it('skips A1 when it repeats the AU list', () => {
    expect(
      roles('JOUR', [
        ['AU', 'One, A.'],
        ['A1', 'One, A.'],
      ]),
    ).toEqual([['author', 'One, A.']]);
  });

  it('EDBOOK authors are editors', () => {
    expect(roles('EDBOOK', [['AU', 'Ed, A.']])).toEqual([['editor', 'Ed, A.']]);
  });

  it('A2 is editor for CHAP, series editor for BOOK', () => {
    expect(roles('CHAP', [['A2', 'Ed, A.']])).toEqual([['editor', 'Ed, A.']]);
    expect(roles('BOOK', [['A2', 'Ser, A.']])).toEqual([['series_editor', 'Ser, A.']]);
  });

  it('ED is an editor in every type', () => {
    expect(roles('BOOK', [['ED', 'Ed, A.']])).toEqual([['editor', 'Ed, A.']]);
  });

  it('A3 is editor for BOOK, series editor for CHAP, contributor for THES', () => {
    expect(roles('BOOK', [['A3', 'X, A.']])).toEqual([['editor', 'X, A.']]);
    expect(roles('CHAP', [['A3', 'X, A.']])).toEqual([['series_editor', 'X, A.']]);
    expect(roles('THES', [['A3', 'X, A.']])).toEqual([['contributor', 'X, A.']]);
  });

  it('A4 is translator for BOOK/CHAP, contributor elsewhere; TA translated author', () => {
    expect(roles('BOOK', [['A4', 'T, A.']])).toEqual([['translator', 'T, A.']]);
    expect(roles('CONF', [['A4', 'Sponsor Inc']])).toEqual([['contributor', 'Sponsor Inc']]);
    expect(roles('JOUR', [['TA', 'T, A.']])).toEqual([['translated_author', 'T, A.']]);
  });

  it('splits ;-joined and line-continued names', () => {
    expect(roles('JOUR', [['AU', 'Wang, X.; Yin, X.\nSun, W.']])).toEqual([
      ['author', 'Wang, X.'],
      ['author', 'Yin, X.'],
      ['author', 'Sun, W.'],
    ]);
  });

  it('keeps corporate authors literal', () => {
    const c = cite('JOUR', [
      ['TI', 'x'],
      ['AU', 'World Health Organization'],
    ]);
    expect(c.contributors[0]?.name).toEqual({
      family: null,
      given: null,
      suffix: null,
      literal: 'World Health Organization',
    });
  });

  it('skips empty author values', () => {
    expect(
      roles('JOUR', [
        ['AU', ''],
        ['AU', ' ; '],
        ['AU', 'A, B.'],
      ]),
    ).toEqual([['author', 'A, B.']]);
  });
});

describe('keywords', () => {
  const kw = (tags: Array<[string, string]>) => cite('JOUR', [['TI', 'x'], ...tags]).keywords;

  it('splits CJK and Arabic keyword lists, keeps chemical locants and C++ / C# / C apart', () => {
    expect(kw([['KW', '土地利用；土壤；微生物']])).toEqual(['土地利用', '土壤', '微生物']);
    expect(kw([['KW', 'キーワード、別']])).toEqual(['キーワード', '別']);
    expect(kw([['KW', '2,3,7,8-tetrachlorodibenzo-p-dioxin']])).toEqual([
      '2,3,7,8-tetrachlorodibenzo-p-dioxin',
    ]);
    expect(
      kw([
        ['KW', 'C++'],
        ['KW', 'C#'],
        ['KW', 'C'],
        ['KW', '🙂'],
      ]),
    ).toEqual(['C++', 'C#', 'C', '🙂']);
  });

  it('one per KW line', () => {
    expect(
      kw([
        ['KW', 'aging'],
        ['KW', 'older adults'],
      ]),
    ).toEqual(['aging', 'older adults']);
  });

  it('splits on ; and line breaks', () => {
    expect(kw([['KW', 'aging; loneliness\nsocial isolation']])).toEqual([
      'aging',
      'loneliness',
      'social isolation',
    ]);
  });

  it('splits a lone comma list but not an inverted heading', () => {
    expect(kw([['KW', 'aging, loneliness, gambling, older adults']])).toEqual([
      'aging',
      'loneliness',
      'gambling',
      'older adults',
    ]);
    expect(kw([['KW', 'Neoplasms, Experimental']])).toEqual(['Neoplasms, Experimental']);
  });

  it('trims trailing dots and stars and dedupes case-insensitively, keeping the first spelling', () => {
    expect(
      kw([
        ['KW', 'Loneliness.'],
        ['KW', 'LONELINESS'],
        ['KW', 'Humans*'],
        ['KW', '*Aged'],
      ]),
    ).toEqual(['Loneliness', 'Humans', 'Aged']);
  });

  it('removes Reference Manager %K prefixes', () => {
    expect(kw([['KW', '%K aging\n%K loneliness']])).toEqual(['aging', 'loneliness']);
  });
});

describe('problems', () => {
  it('carry the record index and the line of the offending tag', () => {
    const r = mapRecord(
      rec(
        'JOUR',
        [
          ['TI', 'x'],
          ['PY', '2017'],
          ['SN', '1234-5678'],
        ],
        7,
      ),
    );
    expect(r.problems).toMatchObject([{ record: 7, line: 4, severity: 'warning' }]);
    expect(r.problems[0]?.message).toMatch(/^record 7 \(line 4\): /);
  });
});

describe('Reference Manager / ProCite labelled notes', () => {
  it('reads Author, Monographic and Title Monographic notes as the book-level fields', () => {
    const { citation } = mapRecord(
      rec('CHAP', [
        ['A1', 'Author Name'],
        ['T1', 'Analytic Title'],
        ['N1', 'Author, Monographic: Jane Editor; John Second'],
        ['N1', 'Author Role: Editor'],
        ['N1', 'Title Monographic: The Monographic Title'],
        ['N1', 'Series Title: A Series'],
        ['N1', 'Notes: a real note'],
        ['PY', '2001'],
      ]),
    );
    expect(citation?.containerTitle).toBe('The Monographic Title');
    expect(citation?.contributors.map((c) => [c.role, c.name.family])).toEqual([
      ['author', 'Name'],
      ['editor', 'Editor'],
      ['editor', 'Second'],
    ]);
    expect(citation?.notes).toEqual(['Author Role: Editor', 'Notes: a real note']);
    // The source's own tags are kept as they were.
    expect(citation?.rawTags.filter((t) => t.tag === 'N1')).toHaveLength(5);
  });

  it('leaves a labelled note alone when the record already has the field', () => {
    const { citation } = mapRecord(
      rec('CHAP', [
        ['T1', 'A'],
        ['T2', 'Real Book'],
        ['N1', 'Title, Monographic: Other Book'],
      ]),
    );
    expect(citation?.containerTitle).toBe('Real Book');
    expect(citation?.notes).toEqual(['Title, Monographic: Other Book']);
  });
});

// A newcomer's file: a line that lost its tag after an AU line is, by RIS's rules, a continuation
// of that AU, and the mapper reads a contributor list across lines as several names (JabRef's own
// test file lists authors so). That stays, but never silently: the warning names the line, the
// names read and what to check.
describe('contributor tags that run on over several lines', () => {
  it('warns with the line and the names read', () => {
    const r = mapRecord(
      rec('JOUR', [
        ['TI', 'A paper'],
        ['AU', 'Okafor, Chidi\nXYZZY this line has no valid tag'],
        ['AU', 'Lindqvist, Maja'],
      ]),
    );
    expect(r.citation?.contributors.map((c) => c.asWritten)).toEqual([
      'Okafor, Chidi',
      'XYZZY this line has no valid tag',
      'Lindqvist, Maja',
    ]);
    expect(r.problems).toMatchObject([{ severity: 'warning', record: 1, line: 3 }]);
    expect(r.problems[0]?.message).toBe(
      "record 1 (line 3): AU runs on over 1 more line, read as 2 names: 'Okafor, Chidi', 'XYZZY this line has no valid tag'; a line that lost its tag is read as a name",
    );
  });

  it('says nothing of a one-line contributor tag, even one holding several names', () => {
    const r = mapRecord(
      rec('JOUR', [
        ['TI', 'A paper'],
        ['AU', 'Okafor, C.; Lindqvist, M.'],
      ]),
    );
    expect(r.citation?.contributors).toHaveLength(2);
    expect(r.problems).toEqual([]);
  });
});
