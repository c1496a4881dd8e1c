-- Keep each citation's search vector in its heap row (STORAGE MAIN) rather than out of line in
-- the TOAST table, where a ~1.2 KB vector went once a row passed ~2 KB (most rows with an
-- abstract). Search reads the vector of every match, to check it and to rank it: out of line that
-- is one more index lookup and page read per match, which made a broad search 2.5× slower
-- (bench/README.md, "Search at 1M"). Abstracts and raw records move out of line first instead.
ALTER TABLE "citations" ALTER COLUMN "search_vector" SET STORAGE MAIN;
--> statement-breakpoint
-- Rows stored before this keep their out-of-line vector until rewritten; a new value (`|| ''`
-- builds one; assigning the same value would keep the old pointer) is stored the new way.
UPDATE "citations" SET "search_vector" = "search_vector" || ''::tsvector WHERE "search_vector" IS NOT NULL;
