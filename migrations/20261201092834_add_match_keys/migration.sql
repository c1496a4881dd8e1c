CREATE TABLE "citation_aliases" (
	"kind" text,
	"key" text,
	"citation_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "citation_aliases_pkey" PRIMARY KEY("kind","key")
);
--> statement-breakpoint
ALTER TABLE "citations" ADD COLUMN "conflicting_doi" text;--> statement-breakpoint
ALTER TABLE "citations" ADD COLUMN "raw_hash" text;--> statement-breakpoint
ALTER TABLE "citations" ADD COLUMN "cleared_fields" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
CREATE INDEX "citation_aliases_citation_id_idx" ON "citation_aliases" ("citation_id");--> statement-breakpoint
CREATE INDEX "citations_conflicting_doi_idx" ON "citations" ("conflicting_doi");--> statement-breakpoint
CREATE UNIQUE INDEX "citations_raw_hash_key" ON "citations" ("raw_hash");--> statement-breakpoint
ALTER TABLE "citation_aliases" ADD CONSTRAINT "citation_aliases_citation_id_citations_id_fkey" FOREIGN KEY ("citation_id") REFERENCES "citations"("id") ON DELETE CASCADE;