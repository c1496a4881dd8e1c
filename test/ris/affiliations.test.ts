import { describe, expect, it } from 'vitest';
import { canonicalCountry } from '../../src/address/countries.js';
import { countryOf, mapRecord, splitAffiliations } from '../../src/ris/map.js';
import { rec } from './fixture.js';

const RUN =
  'Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin 136000, P.R. China Jilin Tuhua Bioengineering Company Ltd., Siping, Jilin 136000, P.R. China Department of Tissue Engineering, China Medical University, Shenyang, Liaoning 110122, P.R. China Department of Vascular Surgery, Xuanwu Hospital of Capital Medical University, Beijing 100053, P.R. China';

describe('splitAffiliations', () => {
  it('cuts a flattened four-address run after each country', () => {
    const out = splitAffiliations(RUN);
    expect(out.map((a) => a.name)).toEqual([
      'Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin 136000, P.R. China',
      'Jilin Tuhua Bioengineering Company Ltd., Siping, Jilin 136000, P.R. China',
      'Department of Tissue Engineering, China Medical University, Shenyang, Liaoning 110122, P.R. China',
      'Department of Vascular Surgery, Xuanwu Hospital of Capital Medical University, Beijing 100053, P.R. China',
    ]);
    expect(out.every((a) => a.name.endsWith('P.R. China') && a.country === 'China')).toBe(true);
  });

  it('does not cut at a country name that starts an institution name', () => {
    const a = 'Department of Tissue Engineering, China Medical University, Shenyang, China';
    expect(splitAffiliations(a).map((x) => x.name)).toEqual([a]);
  });

  it('cuts other countries and period-separated runs', () => {
    const out = splitAffiliations(
      'Dept of Medicine, Harvard Medical School, Boston, MA, USA. Department of Surgery, University of Oxford, Oxford, UK',
    );
    expect(out.map((a) => [a.name, a.country])).toEqual([
      ['Dept of Medicine, Harvard Medical School, Boston, MA, USA', 'United States'],
      ['Department of Surgery, University of Oxford, Oxford, UK', 'United Kingdom'],
    ]);
  });

  it('cuts a run after UK like after any other country', () => {
    expect(
      splitAffiliations(
        'School of Medicine, University of Leeds, Leeds, UK Department of Surgery, Royal Infirmary, Edinburgh, Scotland Institute X, Sydney, Australia',
      ).map((a) => a.name),
    ).toEqual([
      'School of Medicine, University of Leeds, Leeds, UK',
      'Department of Surgery, Royal Infirmary, Edinburgh, Scotland',
      'Institute X, Sydney, Australia',
    ]);
  });

  it('reads numbered address lines as separate addresses, without the numbers', () => {
    expect(
      splitAffiliations(
        '1 Department of Surgery, Univ A, Paris, France\n2) Department of Medicine, Univ B, Lyon, France',
      ).map((a) => a.name),
    ).toEqual([
      'Department of Surgery, Univ A, Paris, France',
      'Department of Medicine, Univ B, Lyon, France',
    ]);
    // A street number is not a list number.
    expect(
      splitAffiliations('Institut Pasteur\n25 Rue du Docteur Roux, Paris, France').map((a) => a.name),
    ).toEqual(['Institut Pasteur 25 Rue du Docteur Roux, Paris, France']);
  });

  it('splits on lines and semicolons', () => {
    const out = splitAffiliations('Univ A, Paris, France\nUniv B, Berlin, Germany; Univ C, Rome, Italy');
    expect(out.map((a) => a.country)).toEqual(['France', 'Germany', 'Italy']);
  });

  it('joins a wrapped continuation line', () => {
    const out = splitAffiliations('Department of Medicine, University of\nToronto, Toronto, ON, Canada');
    expect(out.map((a) => a.name)).toEqual([
      'Department of Medicine, University of Toronto, Toronto, ON, Canada',
    ]);
  });

  it('reads the WoS bracket form', () => {
    const out = splitAffiliations(
      '[Wang, X.; Yin, X.] China Med Univ, Dept Hematol, Shenyang 110001, Peoples R China; [Sun, W.] Univ Tokyo, Tokyo, Japan',
    );
    expect(out.map(({ name, country, authors }) => ({ name, country, authors }))).toEqual([
      {
        name: 'China Med Univ, Dept Hematol, Shenyang 110001, Peoples R China',
        country: 'China',
        authors: ['Wang, X.', 'Yin, X.'],
      },
      { name: 'Univ Tokyo, Tokyo, Japan', country: 'Japan', authors: ['Sun, W.'] },
    ]);
  });

  it('drops e-mail addresses and trailing dots', () => {
    const out = splitAffiliations(
      'Department of Dermatology, Yale University School of Medicine, New York, NY 10021, USA. Electronic address: dralexiades@nyderm.org.',
    );
    expect(out.map((a) => a.name)).toEqual([
      'Department of Dermatology, Yale University School of Medicine, New York, NY 10021, USA',
    ]);
  });
});

describe('countryOf', () => {
  it.each([
    ['Univ X, Beijing 100053, P.R. China', 'China'],
    ['Univ X, Seoul, Republic of Korea', 'South Korea'],
    ['Univ X, Seoul, Korea.', 'South Korea'],
    ['Univ X, Taipei, Taiwan', 'Taiwan'],
    ['Univ X, Hong Kong', 'Hong Kong'],
    ['Univ X, Amsterdam, The Netherlands', 'Netherlands'],
    ['Univ X, Edinburgh, Scotland', 'United Kingdom'],
    ['Univ X, London W12 0NN, U.K.', 'United Kingdom'],
    ['Univ X, Boston, U.S.A.', 'United States'],
    ['Univ X, New York, NY 10028', 'United States'],
    ['Univ X, Zagreb, Croatia, 10000', 'Croatia'],
    ['Univ X, Campinas, SP, Brasil', 'Brazil'],
    ['Univ X, München', null],
  ])('%j → %j', (address, country) => {
    expect(countryOf(address)).toBe(country);
  });

  it('canonicalises spellings', () => {
    expect(canonicalCountry("People's Republic of China")).toBe('China');
    expect(canonicalCountry('PR China')).toBe('China');
    expect(canonicalCountry('united states')).toBe('United States');
    expect(canonicalCountry('Türkiye')).toBe('Turkey');
    expect(canonicalCountry('Atlantis')).toBeNull();
  });
});

describe('affiliations in mapRecord', () => {
  it('dedupes identical affiliations within a record', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AD', 'Univ A, Paris, France'],
        ['AD', 'Univ A, Paris, France.'],
      ]),
    ).citation;
    expect(c?.affiliations.map(({ name, country }) => ({ name, country }))).toEqual([
      { name: 'Univ A, Paris, France', country: 'France' },
    ]);
  });

  it('links every affiliation to a single author', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AU', 'Wang, X.'],
        ['A2', 'Editor, E.'],
        ['AD', 'Univ A, Paris, France\nUniv B, Rome, Italy'],
      ]),
    ).citation;
    expect(c?.contributors.map((p) => p.affiliations)).toEqual([[0, 1], []]);
  });

  it('does not link when several authors share an unlinked address list', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AU', 'Wang, X.'],
        ['AU', 'Yin, X.'],
        ['AD', 'Univ A, Paris, France'],
        ['AD', 'Univ B, Rome, Italy'],
      ]),
    ).citation;
    expect(c?.affiliations).toHaveLength(2);
    expect(c?.contributors.every((p) => p.affiliations.length === 0)).toBe(true);
  });

  it('links AD lines interleaved right after each AU line', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AU', 'Wang, X.'],
        ['AD', 'Univ A, Paris, France'],
        ['AU', 'Yin, X.'],
        ['AD', 'Univ B, Rome, Italy'],
      ]),
    ).citation;
    expect(c?.contributors.map((p) => p.affiliations)).toEqual([[0], [1]]);
  });

  it('does not link interleaved-looking AD lines when counts differ', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AU', 'Wang, X.'],
        ['AD', 'Univ A, Paris, France'],
        ['AU', 'Yin, X.'],
        ['AU', 'Sun, W.'],
      ]),
    ).citation;
    expect(c?.contributors.every((p) => p.affiliations.length === 0)).toBe(true);
  });

  it('links OpenAlex C1 lines to the AU before them and shares deduped affiliations', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AU', 'Wang, Xiaohua'],
        ['C1', 'China Medical University, Shenyang, China'],
        ['C1', 'Harvard University, Cambridge, USA'],
        ['AU', 'Yin, Xiaoguang'],
        ['C1', 'China Medical University, Shenyang, China'],
        ['AU', 'Sun, Wei'],
      ]),
    ).citation;
    expect(c?.affiliations.map((a) => a.country)).toEqual(['China', 'United States']);
    expect(c?.contributors.map((p) => p.affiliations)).toEqual([[0, 1], [0], []]);
  });

  it('keeps every OpenAlex C1 when one of them is a short name like "ETH Zurich"', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AU', 'A, B'],
        ['C1', 'University of Oslo'],
        ['AU', 'C, D'],
        ['C1', 'ETH Zurich'],
      ]),
    ).citation;
    expect(c?.affiliations.map((a) => a.name)).toEqual(['University of Oslo', 'ETH Zurich']);
    expect(c?.contributors.map((p) => p.affiliations)).toEqual([[0], [1]]);
  });

  it('links a long run of OpenAlex C1 lines to the AU before it', () => {
    const tags: Array<[string, string]> = [
      ['TI', 'x'],
      ['AU', 'A, B'],
    ];
    for (let i = 0; i < 2_000; i++) tags.push(['C1', `University ${i}`]);
    tags.push(['AU', 'C, D'], ['C1', 'ETH Zurich']);
    const c = mapRecord(rec('JOUR', tags)).citation;
    expect(c?.affiliations).toHaveLength(2_001);
    expect(c?.contributors.map((p) => p.affiliations.length)).toEqual([2_000, 1]);
  });

  it('ignores C1 when it is not an address (custom field, conference place)', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AU', 'Wang, X.'],
        ['PY', '2020'],
        ['C1', 'The authors declare no conflict of interest.'],
      ]),
    ).citation;
    expect(c?.affiliations).toEqual([]);
  });

  it('links WoS bracketed authors by family name and initial', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AU', 'Wang, Xiaohua'],
        ['AU', 'Yin, Xiaoguang'],
        ['AU', 'Sun, Wei'],
        [
          'C1',
          '[Wang, X.; Yin, X.] China Med Univ, Shenyang, Peoples R China; [Sun, W.] Univ Tokyo, Tokyo, Japan',
        ],
      ]),
    ).citation;
    expect(c?.contributors.map((p) => p.affiliations)).toEqual([[0], [0], [1]]);
  });
});

describe('more address forms', () => {
  it('finds the country at the end of a WoS part without comma', () => {
    expect(countryOf('Ohio State Univ Newark, Dept Psychol, Newark, OH 43055 USA')).toBe('United States');
    expect(countryOf('China Med Univ, Shenyang 110001, Peoples R China')).toBe('China');
  });
  it('does not read New Mexico as Mexico', () => {
    expect(countryOf('New Mexico State Univ, Las Cruces, New Mexico')).toBe('United States');
  });
  it('cuts after `Country.` followed by an ordinal', () => {
    const out = splitAffiliations(
      'Department of Dermatology, Papageorgiou General Hospital, Thessaloniki, Greece. 2nd Department of Dermatology, Andreas Sygros Hospital, Athens, Greece',
    );
    expect(out.map((a) => a.name)).toEqual([
      'Department of Dermatology, Papageorgiou General Hospital, Thessaloniki, Greece',
      '2nd Department of Dermatology, Andreas Sygros Hospital, Athens, Greece',
    ]);
  });
  it('ignores a C1 after the last AU that is prose, not an institution', () => {
    const c = mapRecord(
      rec('JOUR', [
        ['TI', 'x'],
        ['AU', 'Wang, X.'],
        ['C1', 'Conflict of interest: none declared.'],
      ]),
    ).citation;
    expect(c?.affiliations).toEqual([]);
  });
});
