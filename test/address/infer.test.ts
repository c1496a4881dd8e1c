import { describe, expect, it } from 'vitest';
import { DEFAULT_LINK_THRESHOLD, inferAuthorLinks, RULE_CONFIDENCE } from '../../src/organizations/infer.js';
import type { AuthorCitation } from '../../src/organizations/types.js';

function cite(
  id: string,
  orgs: string[],
  explicit: string[] = [],
  more: Partial<AuthorCitation> = {},
): AuthorCitation {
  return {
    citationId: id,
    year: 2020,
    authorCount: 3,
    organizationIds: orgs,
    explicitOrganizationIds: explicit,
    ...more,
  };
}

describe('inferAuthorLinks', () => {
  it('links an organization the author is explicitly at elsewhere', () => {
    const links = inferAuthorLinks([cite('c1', ['uni'], ['uni']), cite('c2', ['uni', 'hosp', 'lab'])]);
    const uni = links.find((l) => l.citationId === 'c2' && l.organizationId === 'uni');
    expect(uni).toMatchObject({ rule: 'EXPLICIT_ELSEWHERE', supportingCitationIds: ['c1'] });
    expect(uni?.confidence).toBeGreaterThanOrEqual(DEFAULT_LINK_THRESHOLD);
    // The other organizations of that record are only co-listed: stored, below the threshold.
    for (const l of links.filter((x) => x.organizationId !== 'uni')) {
      expect(l.rule).toBe('CO_LISTED');
      expect(l.confidence).toBeLessThan(DEFAULT_LINK_THRESHOLD);
    }
  });

  it('never proposes anything on a citation where the author has explicit links', () => {
    const links = inferAuthorLinks([cite('c1', ['uni', 'hosp'], ['uni']), cite('c2', ['hosp'], ['hosp'])]);
    expect(links).toEqual([]);
  });

  it('links the only organization of a record', () => {
    expect(inferAuthorLinks([cite('c1', ['uni'])])).toEqual([
      {
        citationId: 'c1',
        organizationId: 'uni',
        rule: 'ONLY_ORGANIZATION',
        confidence: RULE_CONFIDENCE.ONLY_ORGANIZATION,
        supportingCitationIds: ['c1'],
      },
    ]);
  });

  it('links every body of a record with one address (a hospital and its university)', () => {
    const links = inferAuthorLinks([
      cite('c1', ['hosp', 'uni'], [], { addressOrganizationIds: [['hosp', 'uni']] }),
    ]);
    expect(links.map((l) => [l.organizationId, l.rule])).toEqual([
      ['hosp', 'ONLY_ADDRESS'],
      ['uni', 'ONLY_ADDRESS'],
    ]);
  });

  it('places the first author at the first address, and nobody else by it', () => {
    const c = (position: number) =>
      cite('c1', ['a', 'b'], [], { addressOrganizationIds: [['a'], ['b']], authorPosition: position });
    expect(inferAuthorLinks([c(0)]).map((l) => [l.organizationId, l.rule])).toEqual([
      ['a', 'FIRST_ADDRESS'],
      ['b', 'CO_LISTED'],
    ]);
    expect(inferAuthorLinks([c(1)]).every((l) => l.rule === 'CO_LISTED')).toBe(true);
  });

  it('marks an organization repeated on several records, with the records as support', () => {
    const links = inferAuthorLinks([cite('c1', ['uni', 'x']), cite('c2', ['uni', 'y'])]);
    const repeated = links.filter((l) => l.rule === 'REPEATED');
    expect(repeated.map((l) => [l.citationId, l.organizationId, l.supportingCitationIds])).toEqual([
      ['c1', 'uni', ['c1', 'c2']],
      ['c2', 'uni', ['c1', 'c2']],
    ]);
  });

  it('is deterministic whatever the input order', () => {
    const list = [cite('b', ['o1', 'o2']), cite('a', ['o2'], ['o2']), cite('c', ['o1'])];
    expect(inferAuthorLinks([...list].reverse())).toEqual(inferAuthorLinks(list));
  });

  it('gives every link a confidence in [0, 1]', () => {
    const links = inferAuthorLinks([cite('c1', ['a', 'b', 'c', 'd', 'e']), cite('c2', ['a'])]);
    for (const l of links) expect(l.confidence >= 0 && l.confidence <= 1).toBe(true);
  });
});
