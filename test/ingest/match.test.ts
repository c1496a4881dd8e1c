import { describe, expect, it } from 'vitest';
import { rawRecordHash } from '../../src/citation/keys.ts';
import { titlesClearlyDiffer } from '../../src/ingest/match.ts';

describe('titlesClearlyDiffer', () => {
  it('is true only for titles sharing under half their words, neither extending the other', () => {
    expect(
      titlesClearlyDiffer('Deep learning predicts protein folding', 'Mesenchymal stem cells in ITP'),
    ).toBe(true);
    expect(titlesClearlyDiffer('Spelling test', 'Something else entirely')).toBe(true);
    // Same work written another way.
    expect(titlesClearlyDiffer('Stem cells in thrombocytopenia', 'STEM CELLS IN THROMBOCYTOPENIA.')).toBe(
      false,
    );
    expect(titlesClearlyDiffer('Stem cells', 'Stem cells: a systematic review of forty trials')).toBe(false);
    expect(
      titlesClearlyDiffer(
        'Mesenchymal stem cells in thrombocytopenia',
        'Mesenchymal stem-cells in immune thrombocytopenia',
      ),
    ).toBe(false);
    // Exactly half shared is not "clearly" different.
    expect(titlesClearlyDiffer('alpha beta gamma', 'alpha beta delta')).toBe(false);
    expect(titlesClearlyDiffer('alpha beta gamma', 'alpha delta epsilon')).toBe(true);
  });

  it('never calls a missing title, or one that folds to nothing, different', () => {
    expect(titlesClearlyDiffer(null, 'Anything at all')).toBe(false);
    expect(titlesClearlyDiffer('???', 'Anything at all')).toBe(false);
    expect(titlesClearlyDiffer('Anything at all', '')).toBe(false);
  });
});

describe('rawRecordHash', () => {
  const tags = [
    { tag: 'TY', value: 'JOUR' },
    { tag: 'AU', value: 'Nobody, Anne' },
    { tag: 'AU', value: 'Somebody, Bert' },
    { tag: 'PY', value: '2001' },
  ];
  it('ignores case, accents, punctuation, empty values and the order of different tags', () => {
    const copy = [
      { tag: 'PY', value: '2001' },
      { tag: 'AU', value: 'NOBODY Anne' },
      { tag: 'TY', value: 'jour' },
      { tag: 'N1', value: '  ' },
      { tag: 'AU', value: 'Somebody, Bert.' },
    ];
    expect(rawRecordHash(copy)).toBe(rawRecordHash(tags));
  });
  it('tells apart different values and a different order of authors', () => {
    expect(rawRecordHash([...tags.slice(0, 3), { tag: 'PY', value: '2002' }])).not.toBe(rawRecordHash(tags));
    const swapped = [tags[0], tags[2], tags[1], tags[3]] as typeof tags;
    expect(rawRecordHash(swapped)).not.toBe(rawRecordHash(tags));
  });
});
