import { describe, expect, it } from 'vitest';
import { preparePool } from '../../src/ingest/prepare-pool.ts';
import { authorLinks, type LinkInput, MAX_SUPPORTING } from '../../src/organizations/author-links.ts';

/** A prolific author (id 1) on 300 citations naming organizations 10–12, and a co-author (id 2). */
function prolific(): LinkInput {
  const citations = [];
  for (let c = 1; c <= 300; c++) {
    citations.push({
      author_id: 1,
      citation_id: c,
      year: 2000 + (c % 20),
      author_count: 2,
      author_position: 0,
      addresses: `${10 + (c % 3)}`,
    });
    if (c % 2 === 0)
      citations.push({
        author_id: 2,
        citation_id: c,
        year: 2000 + (c % 20),
        author_count: 2,
        author_position: 1,
        addresses: `${10 + (c % 3)},13`,
      });
  }
  return {
    authorIds: [1, 2],
    citations,
    explicit: [{ author_id: 2, citation_id: 4, organization_id: 13, unit_id: null, rule: 'AD_PER_AUTHOR' }],
    rejected: [{ author_id: 1, organization_id: 12 }],
  };
}

describe('author ↔ organization links from rows', () => {
  it('links each author to each organization once, with evidence, years and bounded support', () => {
    const links = authorLinks(prolific());
    const of = (a: number, o: number) => links.find((l) => l.author_id === a && l.organization_id === o);
    // One organization per record: every author on it is there.
    expect(of(1, 10)).toMatchObject({
      evidence: 'INFERRED',
      rules: ['ONLY_ORGANIZATION'],
      citation_count: 100,
    });
    expect(of(1, 10)?.supporting_citation_ids).toHaveLength(MAX_SUPPORTING);
    expect(of(1, 10)?.first_year).toBe(2000);
    expect(of(1, 10)?.last_year).toBe(2019);
    // Rejected by a curator: never written.
    expect(of(1, 12)).toBeUndefined();
    // Explicit on one record, and inferred from it on the others that name it.
    expect(of(2, 13)).toMatchObject({ evidence: 'EXPLICIT', confidence: 1 });
    expect(of(2, 13)?.rules).toEqual(['AD_PER_AUTHOR', 'EXPLICIT_ELSEWHERE']);
    expect(of(2, 13)?.citation_count).toBe(150);
  });

  it('gives the same links computed in the ingest worker thread', async () => {
    const input = prolific();
    expect(JSON.parse(await preparePool.authorLinks(input))).toEqual(authorLinks(input));
    expect(preparePool.stats().live).toBeGreaterThan(0);
    await preparePool.close();
  });
});
