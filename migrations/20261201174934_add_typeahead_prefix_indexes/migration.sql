CREATE INDEX "affiliations_name_key_prefix_idx" ON "affiliations" ("name_key" collate "C");--> statement-breakpoint
CREATE INDEX "authors_family_given_prefix_idx" ON "authors" ((replace(replace("name_key", 'lit:', ''), '|', ' ')) collate "C");--> statement-breakpoint
CREATE INDEX "authors_given_family_prefix_idx" ON "authors" (((split_part("name_key", '|', 2) || ' ' || split_part("name_key", '|', 1))) collate "C");--> statement-breakpoint
CREATE INDEX "keywords_term_key_prefix_idx" ON "keywords" ("term_key" collate "C");