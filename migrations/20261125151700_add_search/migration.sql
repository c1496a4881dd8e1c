ALTER TABLE "citations" ADD COLUMN "search_vector" tsvector;--> statement-breakpoint
CREATE INDEX "affiliations_name_key_trgm_idx" ON "affiliations" USING gin ("name_key" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "authors_name_key_trgm_idx" ON "authors" USING gin ("name_key" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "citations_search_vector_idx" ON "citations" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "keywords_term_key_trgm_idx" ON "keywords" USING gin ("term_key" gin_trgm_ops);