-- The facets of the whole library and its total, kept by the writers (facet_totals in
-- src/db/schema.ts; docs/performance.md "Facets of the whole library"). Counting them took seconds
-- at a million citations after every write; reading these rows takes a millisecond.
--
-- Each statement that writes a counted table notes its change per bucket in facet_changes (a
-- statement-level trigger over the statement's transition tables: one grouped insert per
-- statement, not per row), and the write generation's commit-time trigger adds the transaction's
-- changes to facet_totals. Writers therefore never wait for each other's counts during their
-- transactions (they would if every statement updated the shared rows), and the rows are updated
-- while the generation row is locked, so two commits never lock them in opposite orders.
--
-- Organizations and countries count a citation once per top-level organization (its units rolled
-- up) and once per country across its addresses, so they are kept as memberships
-- (facet_memberships: which citations each bucket holds) rather than as row counts. Statements
-- note what they touched — a citation's addresses, an address's organizations or country, a
-- unit's move — and the commit recomputes the touched citations' memberships and adds the
-- difference to facet_totals, after the generation row's lock, so it sees every writer that
-- committed first.
CREATE FUNCTION "note_facet_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  columns text := CASE TG_TABLE_NAME
    WHEN 'citations' THEN 'year, ris_type, container_title'
    WHEN 'citation_keywords' THEN 'keyword_id'
    WHEN 'citation_affiliations' THEN 'citation_id, affiliation_id'
    WHEN 'contributions' THEN 'author_id, citation_id'
    WHEN 'affiliation_organizations' THEN 'affiliation_id, organization_id'
    WHEN 'organizations' THEN 'id, parent_id'
    WHEN 'affiliations' THEN 'id, country_code'
  END;
  -- Rows the statement added count +1, rows it removed -1; an update is both.
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT 1 AS d, %s FROM new_rows', columns)
    WHEN 'DELETE' THEN format('SELECT -1 AS d, %s FROM old_rows', columns)
    ELSE format('SELECT 1 AS d, %1$s FROM new_rows UNION ALL SELECT -1 AS d, %1$s FROM old_rows', columns)
  END;
  buckets text := CASE TG_TABLE_NAME
    WHEN 'citations' THEN
      $q$SELECT 'citations' AS kind, 0 AS id, '' AS value, d FROM changed
         UNION ALL SELECT 'years', year, '', d FROM changed WHERE year IS NOT NULL
         UNION ALL SELECT 'types', 0, ris_type, d FROM changed
         UNION ALL SELECT 'containerTitles', 0, container_title, d FROM changed WHERE container_title IS NOT NULL$q$
    WHEN 'citation_keywords' THEN $q$SELECT 'keywords' AS kind, keyword_id AS id, '' AS value, d FROM changed$q$
    -- A citation's address links: the affiliations facet counts them; each (citation, address)
    -- pair whose links the transaction changed has its organizations and countries recomputed.
    WHEN 'citation_affiliations' THEN
      $q$SELECT 'affiliations' AS kind, affiliation_id AS id, '' AS value, d FROM changed
         UNION ALL SELECT 'citationAffiliations', citation_id, affiliation_id::text, d FROM changed$q$
    -- A person counts once per citation whatever roles they hold on it, so what is noted here is
    -- the change in credits per (person, citation) pair; whether the pair appeared or disappeared
    -- is decided at commit (apply_facet_changes), over the whole transaction. Decided here, each
    -- trigger of a statement that changes a pair twice (a CTE that deletes and inserts) would see
    -- the statement's final rows, and a writer would not see another's uncommitted credits.
    WHEN 'contributions' THEN
      $q$SELECT 'authorPairs' AS kind, author_id AS id, citation_id::text AS value, d FROM changed$q$
    -- What an address names; a rewrite of the same links (reindex) nets to nothing.
    WHEN 'affiliation_organizations' THEN
      $q$SELECT 'affiliationOrganizations' AS kind, affiliation_id AS id, organization_id::text AS value, d FROM changed$q$
    -- A unit moved to another organization (its own row; its addresses' links stay).
    WHEN 'organizations' THEN
      $q$SELECT 'unitsMoved' AS kind, id, coalesce(parent_id::text, '') AS value, d FROM changed$q$
    -- chr(1) stands for no country: no code holds it, while '' (which the facet counts) could.
    WHEN 'affiliations' THEN
      $q$SELECT 'affiliationCountries' AS kind, id, coalesce(country_code, chr(1)) AS value, d FROM changed$q$
  END;
BEGIN
  EXECUTE format(
    'WITH changed AS (%s), buckets AS (%s)
     INSERT INTO facet_changes (kind, id, value, delta)
     SELECT kind, id, value, sum(d) FROM buckets GROUP BY 1, 2, 3 HAVING sum(d) <> 0',
    changed, buckets);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- TRUNCATE has no transition table: the kinds the table feeds start again from nothing. Pending
-- notes of touched citations stay: their memberships are recomputed against what is left.
CREATE FUNCTION "note_facet_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  kinds text[] := CASE TG_TABLE_NAME
    WHEN 'citations' THEN ARRAY['citations', 'years', 'types', 'containerTitles']
    WHEN 'citation_keywords' THEN ARRAY['keywords']
    WHEN 'citation_affiliations' THEN ARRAY['affiliations', 'organizations', 'countries']
    WHEN 'contributions' THEN ARRAY['authors', 'authorPairs']
    WHEN 'affiliation_organizations' THEN ARRAY['organizations']
    WHEN 'organizations' THEN ARRAY['organizations']
    WHEN 'affiliations' THEN ARRAY['affiliations', 'organizations', 'countries']
  END;
BEGIN
  DELETE FROM facet_changes WHERE txid = txid_current() AND kind = ANY (kinds);
  DELETE FROM facet_totals WHERE kind = ANY (kinds);
  DELETE FROM facet_memberships WHERE kind = ANY (kinds);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- The organizations and countries facets' buckets a citation is in: each top-level organization
-- its addresses name (units rolled up) and each country, once. The one definition of a membership,
-- for the commit (the touched citations) and for the rebuild (all); PostgreSQL inlines it.
CREATE FUNCTION "facet_memberships_of"(citation integer)
RETURNS TABLE (kind text, citation_id integer, id integer, value text) LANGUAGE sql STABLE AS $$
  SELECT 'organizations', ca.citation_id, coalesce(o.parent_id, o.id), ''
  FROM citation_affiliations ca
  JOIN affiliation_organizations ao ON ao.affiliation_id = ca.affiliation_id
  JOIN organizations o ON o.id = ao.organization_id
  WHERE ca.citation_id = citation
  UNION
  SELECT 'countries', ca.citation_id, 0, f.country_code
  FROM citation_affiliations ca JOIN affiliations f ON f.id = ca.affiliation_id
  WHERE ca.citation_id = citation AND f.country_code IS NOT NULL
$$;
--> statement-breakpoint
-- The transaction's changes, added at commit (called by bump_write_generation), after the
-- generation row's lock: so what it reads now includes every writer that committed first.
-- - A (person, citation) pair counts for the person where the transaction made it appear or
--   disappear: `now_n` is the pair's credits now, `now_n - net` before this transaction.
-- - The citations whose addresses, address organizations or countries, or units the transaction
--   changed have their organizations and countries recomputed; the difference from the stored
--   memberships is what the buckets gain and lose.
-- Rows in key order, so that two writers could not deadlock on them even if the generation row
-- did not order them.
CREATE FUNCTION "apply_facet_changes"() RETURNS void LANGUAGE sql AS $$
  WITH taken AS (DELETE FROM facet_changes WHERE txid = txid_current() RETURNING kind, id, value, delta),
  pairs AS (
    SELECT id AS author_id, value::int AS citation_id, sum(delta) AS net FROM taken
    WHERE kind = 'authorPairs' GROUP BY 1, 2 HAVING sum(delta) <> 0
  ),
  touched AS (
    SELECT id AS citation_id FROM taken WHERE kind = 'citationAffiliations' GROUP BY id, value HAVING sum(delta) <> 0
    UNION
    SELECT ca.citation_id
    FROM (SELECT id FROM taken WHERE kind = 'affiliationOrganizations' GROUP BY id, value HAVING sum(delta) <> 0
          UNION SELECT id FROM taken WHERE kind = 'affiliationCountries' GROUP BY id, value HAVING sum(delta) <> 0) a
    JOIN citation_affiliations ca ON ca.affiliation_id = a.id
    UNION
    SELECT ca.citation_id
    FROM (SELECT id FROM taken WHERE kind = 'unitsMoved' GROUP BY id, value HAVING sum(delta) <> 0) u
    JOIN affiliation_organizations ao ON ao.organization_id = u.id
    JOIN citation_affiliations ca ON ca.affiliation_id = ao.affiliation_id
  ),
  members AS (SELECT m.* FROM touched t CROSS JOIN LATERAL facet_memberships_of(t.citation_id) m),
  stored AS (
    SELECT m.kind, m.citation_id, m.id, m.value FROM facet_memberships m JOIN touched t ON t.citation_id = m.citation_id
  ),
  gone AS (
    DELETE FROM facet_memberships m USING (SELECT * FROM stored EXCEPT SELECT * FROM members) g
    WHERE m.citation_id = g.citation_id AND m.kind = g.kind AND m.id = g.id AND m.value = g.value
    RETURNING m.kind, m.id, m.value
  ),
  came AS (
    INSERT INTO facet_memberships (kind, citation_id, id, value)
    SELECT * FROM members EXCEPT SELECT * FROM stored
    RETURNING kind, id, value
  ),
  changes AS (
    SELECT kind, id, value, delta FROM taken
    WHERE kind IN ('citations', 'years', 'types', 'containerTitles', 'keywords', 'affiliations')
    UNION ALL
    SELECT 'authors', p.author_id, '', (n.now_n > 0)::int - (n.now_n - p.net > 0)::int
    FROM pairs p CROSS JOIN LATERAL (SELECT count(*) AS now_n FROM contributions c
                                     WHERE c.citation_id = p.citation_id AND c.author_id = p.author_id) n
    UNION ALL SELECT kind, id, value, -1 FROM gone
    UNION ALL SELECT kind, id, value, 1 FROM came
  )
  INSERT INTO facet_totals AS t (kind, id, value, count)
  SELECT kind, id, value, sum(delta) FROM changes GROUP BY 1, 2, 3 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (kind, id, value) DO UPDATE SET count = t.count + excluded.count
$$;
--> statement-breakpoint
-- Counts every bucket anew from the tables: the migrations' backfill, and the way back for rows
-- written with triggers off (`session_replication_role = replica`, as the benchmark's seed does).
-- Writers wait while it counts (SHARE locks), so no write falls between the count and its rows.
CREATE FUNCTION "rebuild_facet_totals"() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE citations, contributions, citation_keywords, citation_affiliations,
    affiliation_organizations, organizations, affiliations IN SHARE MODE;
  DELETE FROM facet_changes WHERE txid = txid_current();
  DELETE FROM facet_memberships;
  INSERT INTO facet_memberships (kind, citation_id, id, value)
  SELECT m.* FROM citations c CROSS JOIN LATERAL facet_memberships_of(c.id) m;
  DELETE FROM facet_totals;
  INSERT INTO facet_totals (kind, id, value, count)
  SELECT 'citations', 0, '', count(*) FROM citations
  UNION ALL SELECT 'years', year, '', count(*) FROM citations WHERE year IS NOT NULL GROUP BY year
  UNION ALL SELECT 'types', 0, ris_type, count(*) FROM citations GROUP BY ris_type
  UNION ALL SELECT 'containerTitles', 0, container_title, count(*) FROM citations
    WHERE container_title IS NOT NULL GROUP BY container_title
  UNION ALL SELECT 'keywords', keyword_id, '', count(*) FROM citation_keywords GROUP BY keyword_id
  UNION ALL SELECT 'affiliations', affiliation_id, '', count(*) FROM citation_affiliations GROUP BY affiliation_id
  UNION ALL SELECT 'authors', author_id, '', count(*)
    FROM (SELECT author_id FROM contributions GROUP BY author_id, citation_id) p GROUP BY author_id
  UNION ALL SELECT kind, id, value, count(*) FROM facet_memberships GROUP BY kind, id, value;
END
$$;
--> statement-breakpoint
-- The generation is owed once per transaction (`bibgraph.generation_owed`), apart from
-- `bibgraph.graph_written`, which says the transaction has written: `SET CONSTRAINTS ALL
-- IMMEDIATE` pays what is owed before the commit, and a write after it owes again, so its counts
-- are added and the generation moves for it too. (With one setting for both, such a write was
-- never counted.)
CREATE OR REPLACE FUNCTION "note_graph_write"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('bibgraph.graph_written', true), '') = '' THEN
    PERFORM set_config('bibgraph.graph_written', 'on', true);
  END IF;
  IF coalesce(current_setting('bibgraph.generation_owed', true), '') = '' THEN
    PERFORM set_config('bibgraph.generation_owed', 'on', true);
    INSERT INTO "write_generation_pending" DEFAULT VALUES;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "bump_write_generation"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "write_generation" SET "value" = "value" + 1 WHERE "id" = 1;
  DELETE FROM "write_generation_pending" WHERE "id" = NEW."id";
  PERFORM apply_facet_changes();
  PERFORM set_config('bibgraph.generation_owed', '', true);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- One trigger per event (a trigger with transition tables takes one event) and one for TRUNCATE:
-- every event on the tables whose rows are counted or link a citation to what is counted; only
-- updates of organizations (a unit's move) and affiliations (a country).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['citations', 'contributions', 'citation_keywords', 'citation_affiliations',
                           'affiliation_organizations', 'organizations', 'affiliations'] LOOP
    IF t NOT IN ('organizations', 'affiliations') THEN
      EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION note_facet_changes()', t || '_facet_insert', t);
      EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION note_facet_changes()', t || '_facet_delete', t);
    END IF;
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION note_facet_changes()', t || '_facet_update', t);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION note_facet_truncate()', t || '_facet_truncate', t);
  END LOOP;
END
$$;
--> statement-breakpoint
SELECT rebuild_facet_totals();
