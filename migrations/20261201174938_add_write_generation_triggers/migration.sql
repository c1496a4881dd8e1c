-- The write generation (src/db/schema.ts, docs/performance.md "Counts and facets: a cache that
-- every write invalidates"). Every statement that writes a table of the graph notes, once per
-- transaction (a transaction-local setting), that the transaction owes the generation a bump: it
-- inserts a row into write_generation_pending, whose deferred constraint trigger bumps the counter
-- row at commit. The counter row is therefore locked only while a writer commits, and a reader's
-- statement sees the counter and the rows it counts in one snapshot.
INSERT INTO "write_generation" ("id", "value") VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE FUNCTION "note_graph_write"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Also read by readers: a transaction with uncommitted writes of its own must not use or fill
  -- the cache (its counts are not those of any generation).
  IF coalesce(current_setting('bibgraph.graph_written', true), '') = '' THEN
    PERFORM set_config('bibgraph.graph_written', 'on', true);
    INSERT INTO "write_generation_pending" DEFAULT VALUES;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "bump_write_generation"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "write_generation" SET "value" = "value" + 1 WHERE "id" = 1;
  DELETE FROM "write_generation_pending" WHERE "id" = NEW."id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "write_generation_pending_bump" AFTER INSERT ON "write_generation_pending" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "bump_write_generation"();
--> statement-breakpoint
CREATE TRIGGER "citations_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "citations" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "contributions_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "contributions" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "authors_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "authors" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "citation_affiliations_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "citation_affiliations" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "affiliations_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "affiliations" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "author_affiliations_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "author_affiliations" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "organizations_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "organizations" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "affiliation_organizations_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "affiliation_organizations" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "author_organizations_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "author_organizations" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "organization_aliases_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "organization_aliases" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "citation_keywords_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "citation_keywords" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
--> statement-breakpoint
CREATE TRIGGER "keywords_graph_write" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "keywords" FOR EACH STATEMENT EXECUTE FUNCTION "note_graph_write"();
