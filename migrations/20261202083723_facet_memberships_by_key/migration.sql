-- A citation's organizations and countries are found from its own links, each lookup by key, so
-- that no statistics can turn the recompute around. With a join, statistics taken while no
-- address had a country said `country_code IS NOT NULL` matched one affiliation, and the commit
-- that gave every address its country walked every affiliation with a country for each touched
-- citation, probing the citation's links for it: 729 million probes for 701,290 citations (11
-- minutes at 1M). Scalar subqueries and fenced (OFFSET 0) subqueries are never turned into joins:
-- each runs once per link, on the key it is given. Same rows as before.
CREATE OR REPLACE FUNCTION "facet_memberships_of"(citation integer)
RETURNS TABLE (kind text, citation_id integer, id integer, value text) LANGUAGE sql STABLE AS $$
  SELECT 'organizations', ca.citation_id, u.top, ''
  FROM citation_affiliations ca
  CROSS JOIN LATERAL (
    SELECT (SELECT coalesce(o.parent_id, o.id) FROM organizations o WHERE o.id = ao.organization_id) AS top
    FROM affiliation_organizations ao WHERE ao.affiliation_id = ca.affiliation_id OFFSET 0
  ) u
  WHERE ca.citation_id = citation AND u.top IS NOT NULL
  UNION
  SELECT 'countries', x.citation_id, 0, x.code
  FROM (
    SELECT ca.citation_id, (SELECT f.country_code FROM affiliations f WHERE f.id = ca.affiliation_id) AS code
    FROM citation_affiliations ca WHERE ca.citation_id = citation OFFSET 0
  ) x
  WHERE x.code IS NOT NULL
$$;
--> statement-breakpoint
-- The backfill (add_facet_totals_triggers) wrote these tables whole; the commit's recompute plans
-- against their statistics, which a server with autovacuum off would never take.
ANALYZE "facet_totals", "facet_memberships";
