DROP INDEX "contributions_author_id_idx";--> statement-breakpoint
CREATE INDEX "contributions_author_citation_idx" ON "contributions" ("author_id","citation_id");