CREATE INDEX "affiliations_name_order_idx" ON "affiliations" ((regexp_replace("name_key", '^lit:', '') collate "C"),"id");--> statement-breakpoint
CREATE INDEX "authors_name_order_idx" ON "authors" ((regexp_replace("name_key", '^lit:', '') collate "C"),"id");--> statement-breakpoint
CREATE INDEX "keywords_term_order_idx" ON "keywords" ((regexp_replace("term_key", '^lit:', '') collate "C"),"id");--> statement-breakpoint
CREATE INDEX "organizations_key_order_idx" ON "organizations" ((regexp_replace("key", '^lit:', '') collate "C"),"id");