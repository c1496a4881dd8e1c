import { describe, expect, it } from 'vitest';
import { parseAddress, parseAffiliationValue } from '../../src/address/parse.js';
import type { ParsedAddress } from '../../src/address/types.js';

/** The parts a reader checks, without keys and kinds. */
function brief(a: ParsedAddress) {
  return {
    organizations: a.organizations.map((o) => [o.name, ...o.units.map((u) => u.name)]),
    street: a.street,
    city: a.city,
    region: a.region,
    postalCode: a.postalCode,
    country: a.country?.code ?? null,
  };
}

describe('comma forms (Scopus, PubMed, Embase)', () => {
  it('reads units before their organization, most specific first', () => {
    const [a] = parseAffiliationValue(
      'Department of Cardiology, School of Medicine, Riverside University, 12 Elm Street, Springfield, IL 62704, USA',
    );
    expect(brief(a as ParsedAddress)).toEqual({
      organizations: [['Riverside University', 'Department of Cardiology', 'School of Medicine']],
      street: '12 Elm Street',
      city: 'Springfield',
      region: 'IL',
      postalCode: '62704',
      country: 'US',
    });
    expect(a?.organizations[0]?.kind).toBe('UNIVERSITY');
    expect(a?.organizations[0]?.units.map((u) => u.kind)).toEqual(['DEPARTMENT', 'SCHOOL']);
  });

  it('splits a university from its school written in one part', () => {
    const a = parseAddress('Department of Surgery, Lakeside University School of Medicine, Oslo, Norway');
    expect(brief(a).organizations).toEqual([
      ['Lakeside University', 'Department of Surgery', 'School of Medicine'],
    ]);
  });

  it('types a hospital named after its university as a hospital', () => {
    const kinds = (s: string) => parseAddress(s).organizations.map((o) => [o.name, o.kind]);
    expect(
      kinds('Department of Hematology, Siping Hospital of China Medical University, Siping, China'),
    ).toEqual([['Siping Hospital of China Medical University', 'HOSPITAL']]);
    expect(kinds('University Hospital Zurich, Zurich, Switzerland')).toEqual([
      ['University Hospital Zurich', 'HOSPITAL'],
    ]);
    expect(kinds('Medical University of Vienna, Vienna, Austria')).toEqual([
      ['Medical University of Vienna', 'UNIVERSITY'],
    ]);
  });

  it('keeps "University College Dublin" one organization (a bare "University" names no university)', () => {
    const a = parseAddress('School of Earth Sciences, University College Dublin, Dublin, Ireland');
    expect(brief(a).organizations).toEqual([['University College Dublin', 'School of Earth Sciences']]);
    expect(brief(parseAddress('University College Cork, Cork, Ireland')).organizations).toEqual([
      ['University College Cork'],
    ]);
  });

  it('keeps two bodies of one address as two organizations, each with its units', () => {
    const a = parseAddress(
      'Department of Dermatology, Saint Anne Hospital, Faculty of Medicine, University of Brno, Brno, Czech Republic',
    );
    expect(brief(a).organizations).toEqual([
      ['Saint Anne Hospital', 'Department of Dermatology'],
      ['University of Brno', 'Faculty of Medicine'],
    ]);
    expect(a.country).toEqual({ code: 'CZ', name: 'Czech Republic' });
  });

  it('takes the Embase author name off the front and the e-mail off the end', () => {
    const [a, ...rest] = parseAffiliationValue(
      'K. Olsen, Department of Audiology, Fjord Medical College, Bergen, Norway. E-mail: k.olsen@fjord.example',
    );
    expect(rest).toEqual([]);
    expect(a?.authorNames).toEqual(['K. Olsen']);
    expect(a?.authorNamesForm).toBe('NAME_PREFIX');
    expect(a?.emails).toEqual(['k.olsen@fjord.example']);
    expect(a?.raw).toContain('E-mail: k.olsen@fjord.example');
    expect(brief(a as ParsedAddress).organizations).toEqual([
      ['Fjord Medical College', 'Department of Audiology'],
    ]);
    expect(a?.city).toBe('Bergen');
  });

  it('reads an Ovid/PsycINFO "Family, Given: address" name', () => {
    const a = parseAddress(
      "O'Neill, Maura J.: Department of Psychology, Harbour University, Halifax, NS, Canada",
    );
    expect(a.authorNames).toEqual(["O'Neill, Maura J"]);
    expect(brief(a).organizations).toEqual([['Harbour University', 'Department of Psychology']]);
    expect(a.region).toBe('NS');
  });

  it('recognises a full-name prefix only when the record names that author', () => {
    const text = 'Marta Lindqvist, Institute of Occupational Health, Uppsala, Sweden';
    expect(parseAddress(text).authorNames).toEqual([]);
    expect(parseAddress(text, { authorNames: ['Lindqvist, Marta'] }).authorNames).toEqual([
      'Marta Lindqvist',
    ]);
  });

  it('reads "Taiwan (Republic of China). E-mail" as one Taiwanese address', () => {
    const out = parseAffiliationValue(
      'C.-H. Lin, Department of Nursing, Harbor View Hospital, Taipei, Taiwan (Republic of China). E-mail: lin@hv.example',
    );
    expect(out).toHaveLength(1);
    expect(out[0]?.country).toEqual({ code: 'TW', name: 'Taiwan' });
    expect(out[0]?.city).toBe('Taipei');
  });

  it('keeps "Brunei Darussalam" whole and a Canadian postcode after the country', () => {
    const brunei = parseAffiliationValue(
      'Institute of Health Sciences, Universiti Example, Gadong, Brunei Darussalam',
    );
    expect(brunei).toHaveLength(1);
    expect(brunei[0]?.country?.code).toBe('BN');
    const canada = parseAffiliationValue(
      'Department of Nutrition, University of Montreal, Montreal, Quebec, Canada H2L 4M1',
    );
    expect(canada).toHaveLength(1);
    expect(brief(canada[0] as ParsedAddress)).toMatchObject({
      city: 'Montreal',
      region: 'Quebec',
      postalCode: 'H2L 4M1',
      country: 'CA',
    });
  });

  it('reads "Iran, Islamic Republic of" as Iran', () => {
    const a = parseAddress(
      'Faculty of Nursing, Example University of Medical Sciences, Zahedan, Iran, Islamic Republic of',
    );
    expect(a.country?.code).toBe('IR');
    expect(a.city).toBe('Zahedan');
  });

  it('infers the United States from a state and ZIP code when no country is written', () => {
    const a = parseAddress('Laser Center, Example University School of Medicine, New York, NY 10028');
    expect(a.country?.code).toBe('US');
    expect(a.city).toBe('New York');
    expect(a.postalCode).toBe('10028');
  });

  it('keeps a company legal form with its name', () => {
    const a = parseAddress('Acoustic Research, Inc., 61 Maple Lane, Elk Grove Village, IL 60007, USA');
    expect(brief(a).organizations).toEqual([['Acoustic Research, Inc']]);
    expect(a.organizations[0]?.kind).toBe('COMPANY');
    expect(a.street).toBe('61 Maple Lane');
  });
});

describe('Web of Science', () => {
  it('reads the abbreviated form: organization first, units after it', () => {
    const a = parseAddress('Univ Texas SW Med Ctr Dallas, Div Cardiol, Dallas, TX 75390 USA');
    expect(brief(a)).toEqual({
      organizations: [['Univ Texas SW Med Ctr Dallas', 'Div Cardiol']],
      street: null,
      city: 'Dallas',
      region: 'TX',
      postalCode: '75390',
      country: 'US',
    });
  });

  it('lists WoS units most specific first', () => {
    const a = parseAddress('Univ Salento, Dept Hist Soc, Lab Appl Psychol, Lecce, Italy');
    expect(brief(a).organizations).toEqual([['Univ Salento', 'Lab Appl Psychol', 'Dept Hist Soc']]);
  });

  it('reads `Sch Nursing` as a unit of the body before it', () => {
    const a = parseAddress('SUNY Buffalo, Sch Nursing, Buffalo, NY USA');
    expect(brief(a).organizations).toEqual([['SUNY Buffalo', 'Sch Nursing']]);
  });

  it('reads bracketed author names and Chinese postcodes', () => {
    const out = parseAffiliationValue(
      '[Wang, X.; Yin, X.] China Med Univ, Dept Hematol, Shenyang 110001, Peoples R China; [Sun, W.] Univ Tokyo, Tokyo, Japan',
    );
    expect(out.map((a) => [a.authorNames, a.authorNamesForm, a.country?.code, a.city, a.postalCode])).toEqual(
      [
        [['Wang, X.', 'Yin, X.'], 'WOS_BRACKET', 'CN', 'Shenyang', '110001'],
        [['Sun, W.'], 'WOS_BRACKET', 'JP', 'Tokyo', null],
      ],
    );
  });
});

describe('several addresses in one value', () => {
  it('splits on lines, semicolons and numbered markers', () => {
    const out = parseAffiliationValue(
      '1 Department of Surgery, Univ A, Paris, France\n2) Institute B, Lyon, France; Univ C, Rome, Italy',
    );
    expect(out.map((a) => a.country?.code)).toEqual(['FR', 'FR', 'IT']);
  });

  it('cuts a comma run with several Embase author prefixes', () => {
    const out = parseAffiliationValue(
      'B. Ye, Department of Otology, Ruijin Hospital, Shanghai, China, M. Xiang, Ear Institute, Jiao Tong University, Shanghai, China',
    );
    expect(out.map((a) => [a.authorNames, a.organizations.map((o) => o.name)])).toEqual([
      [['B. Ye'], ['Ruijin Hospital']],
      [['M. Xiang'], ['Jiao Tong University']],
    ]);
  });

  it('cuts `Country and Department …`', () => {
    const out = parseAffiliationValue(
      'Department of Medicine, University of Leeds, Leeds, UK and Department of Surgery, University of Otago, Dunedin, New Zealand',
    );
    expect(out.map((a) => a.organizations[0]?.name)).toEqual(['University of Leeds', 'University of Otago']);
    expect(out.map((a) => a.country?.code)).toEqual(['GB', 'NZ']);
  });

  it('reads `X and Y` bodies in one part as two organizations', () => {
    const a = parseAddress(
      'Department of Neonatology, University Hospital Zurich and University of Zurich, Zurich, Switzerland',
    );
    expect(a.organizations.map((o) => o.name)).toEqual([
      'University Hospital Zurich',
      'University of Zurich',
    ]);
  });
});

describe('other scripts and odd strings', () => {
  it('reads a Chinese address', () => {
    const a = parseAddress('北京大学 物理学院, 北京 100871, 中国');
    expect(brief(a)).toEqual({
      organizations: [['北京大学', '物理学院']],
      street: null,
      city: '北京',
      region: null,
      postalCode: '100871',
      country: 'CN',
    });
    expect(a.organizations[0]?.kind).toBe('UNIVERSITY');
  });

  it('reads a Chinese address without spaces between university and school', () => {
    expect(brief(parseAddress('北京大学物理学院，北京，中国')).organizations).toEqual([
      ['北京大学', '物理学院'],
    ]);
  });

  it('reads a Cyrillic address', () => {
    const a = parseAddress(
      'Новосибирский государственный университет, физический факультет, Новосибирск, Россия',
    );
    expect(brief(a)).toMatchObject({
      organizations: [['Новосибирский государственный университет', 'физический факультет']],
      city: 'Новосибирск',
      country: 'RU',
    });
    expect(a.organizations[0]?.units[0]?.kind).toBe('FACULTY');
  });

  it('reads a string with no country', () => {
    const a = parseAddress('Dermatology Service, Riverside VA Medical Center');
    expect(brief(a)).toMatchObject({
      organizations: [['Riverside VA Medical Center', 'Dermatology Service']],
      country: null,
    });
  });

  it('keeps what it cannot read, with no organization', () => {
    const out = parseAffiliationValue('22620 Highway 12, Naches, WA 98937, United States');
    expect(out).toHaveLength(1);
    expect(out[0]?.organizations).toEqual([]);
    expect(out[0]?.raw).toBe('22620 Highway 12, Naches, WA 98937, United States');
    expect(out[0]?.country?.code).toBe('US');
  });

  it('makes no organization of a home address: streets written number last or unnumbered, a mail stop, a neighbourhood', () => {
    for (const value of [
      'K.S. Kraus, Baumgartenstrasse 1, 77761 Schiltach, Germany',
      'Untere Donaulande 26, Linz Austria',
      'Rudolph Berghs Gade 47, 2100 Copenhagen East, Denmark',
      'K.-P. Chao, Hsueh-Shih Road, Taichung, Taiwan',
      'T.W. Rimmer, Pine Manor Dr., Little Rock, AR 72207, United States',
      'H.-W. Kuo, No.155, Sec.2, Linong Street, Taipei, 112, Taiwan',
      'N. B. Muluk, Birlik Mahallesi, 06610 Cankaya, Ankara, Turkey',
    ]) {
      const [a] = parseAffiliationValue(value);
      expect([value, a?.organizations]).toEqual([value, []]);
      expect(a?.street).not.toBeNull();
    }
    const [stop] = parseAffiliationValue(
      'T.C. Morata, Mail Stop C-27, Federal Institute of Hearing, Cincinnati, OH 45226, United States',
    );
    expect(stop && brief(stop).organizations).toEqual([['Federal Institute of Hearing']]);
    // A city with its postcode at the end is still the city.
    expect(parseAddress('Department of Physics, University of Oslo, Oslo 0316, Norway').city).toBe('Oslo');
  });

  it('reads `SA 5042` as South Australia and a postcode, not a company', () => {
    const a = parseAddress('School of Medicine, Flinders University, Bedford Park, SA 5042, Australia');
    expect(brief(a)).toMatchObject({
      organizations: [['Flinders University', 'School of Medicine']],
      region: 'SA',
      postalCode: '5042',
    });
  });

  it('leaves out what the person is (`Retired Civil Engineer`, `Biological Technician`)', () => {
    expect(
      brief(
        parseAddress('Biological Technician, Rocky Mountain Research Station, Rapid City, SD, United States'),
      ).organizations,
    ).toEqual([['Rocky Mountain Research Station']]);
    expect(
      parseAddress('Retired Civil Engineer, 1405 Jesica Drive, Selah, WA 98942, United States').organizations,
    ).toEqual([]);
  });

  it('takes an author written given name first off the front, and reads an Ovid name + e-mail as no address', () => {
    const authorNames = [
      'Moll van Charante, A. W.',
      'Johnson, D. L.',
      "O'Callaghan, Frances",
      'Mack, David R',
    ];
    const moll = parseAddress(
      'A.W. Moll van Charante, Research Department, Coastal Health Service, The Hague, Netherlands',
      {
        authorNames,
      },
    );
    expect(moll.authorNames).toEqual(['A.W. Moll van Charante']);
    expect(brief(moll).organizations).toEqual([['Coastal Health Service', 'Research Department']]);
    const johnson = parseAddress(
      'Daniel L. Johnson, Wright Air Development Center, Dayton, Ohio, United States',
      {
        authorNames,
      },
    );
    expect(johnson.authorNames).toEqual(['Daniel L. Johnson']);
    expect(brief(johnson).organizations).toEqual([['Wright Air Development Center']]);
    // Without the record's authors the same text is not taken for a name.
    expect(
      parseAddress('Daniel L. Johnson, Wright Air Development Center, Dayton, Ohio').authorNames,
    ).toEqual([]);
    for (const value of [
      "O'Callaghan, Frances, f.ocallaghan@uni.example",
      'Mack, David R.: dmack@cheo.example',
    ]) {
      const [a] = parseAffiliationValue(value, { authorNames });
      expect([value, a?.organizations, a?.authorNames.length]).toEqual([value, [], 1]);
    }
  });

  it('returns nothing for an empty value and never throws on noise', () => {
    expect(parseAffiliationValue('  \n ')).toEqual([]);
    for (const noise of [',,,', ';;', '[', '[]', '(((', '1)', 'E-mail: a@b.c', '\u0000', 'Univ, , ,']) {
      expect(() => parseAffiliationValue(noise)).not.toThrow();
    }
  });
});
