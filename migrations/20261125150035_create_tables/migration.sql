CREATE TABLE "affiliations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "affiliations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"name_key" text NOT NULL,
	"country" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "author_affiliations" (
	"author_id" integer,
	"affiliation_id" integer,
	"citation_id" integer,
	CONSTRAINT "author_affiliations_pkey" PRIMARY KEY("author_id","affiliation_id","citation_id")
);
--> statement-breakpoint
CREATE TABLE "authors" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "authors_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"family" text,
	"given" text,
	"suffix" text,
	"literal" text,
	"name" text NOT NULL,
	"name_key" text NOT NULL,
	"orcid" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "citation_affiliations" (
	"citation_id" integer,
	"affiliation_id" integer,
	"position" integer NOT NULL,
	CONSTRAINT "citation_affiliations_pkey" PRIMARY KEY("citation_id","affiliation_id")
);
--> statement-breakpoint
CREATE TABLE "citation_keywords" (
	"citation_id" integer,
	"keyword_id" integer,
	"position" integer NOT NULL,
	CONSTRAINT "citation_keywords_pkey" PRIMARY KEY("citation_id","keyword_id")
);
--> statement-breakpoint
CREATE TABLE "citations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "citations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"ris_type" text NOT NULL,
	"title" text,
	"container_title" text,
	"short_title" text,
	"journal_abbreviation" text,
	"abstract" text,
	"year" integer,
	"date" text,
	"date_precision" text,
	"volume" text,
	"issue" text,
	"start_page" text,
	"end_page" text,
	"doi" text,
	"issns" text[] DEFAULT '{}'::text[] NOT NULL,
	"isbns" text[] DEFAULT '{}'::text[] NOT NULL,
	"urls" text[] DEFAULT '{}'::text[] NOT NULL,
	"publisher" text,
	"place" text,
	"language" text,
	"notes" text[] DEFAULT '{}'::text[] NOT NULL,
	"raw_record" text NOT NULL,
	"raw_tags" jsonb NOT NULL,
	"fingerprint" text,
	"ingestion_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contributions" (
	"citation_id" integer,
	"author_id" integer NOT NULL,
	"role" text,
	"position" integer,
	"name_as_written" text NOT NULL,
	CONSTRAINT "contributions_pkey" PRIMARY KEY("citation_id","role","position")
);
--> statement-breakpoint
CREATE TABLE "ingestions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ingestions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"source" text,
	"dry_run" boolean DEFAULT false NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"found" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"bytes" integer DEFAULT 0 NOT NULL,
	"problems" jsonb DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "keywords" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "keywords_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"term" text NOT NULL,
	"term_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "affiliations_name_key_key" ON "affiliations" ("name_key");--> statement-breakpoint
CREATE INDEX "affiliations_country_idx" ON "affiliations" ("country");--> statement-breakpoint
CREATE INDEX "author_affiliations_affiliation_id_idx" ON "author_affiliations" ("affiliation_id");--> statement-breakpoint
CREATE INDEX "author_affiliations_citation_id_idx" ON "author_affiliations" ("citation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authors_name_key_key" ON "authors" ("name_key");--> statement-breakpoint
CREATE UNIQUE INDEX "authors_orcid_key" ON "authors" ("orcid");--> statement-breakpoint
CREATE INDEX "citation_affiliations_affiliation_id_idx" ON "citation_affiliations" ("affiliation_id");--> statement-breakpoint
CREATE INDEX "citation_keywords_keyword_id_idx" ON "citation_keywords" ("keyword_id");--> statement-breakpoint
CREATE UNIQUE INDEX "citations_doi_key" ON "citations" ("doi");--> statement-breakpoint
CREATE UNIQUE INDEX "citations_fingerprint_no_doi_key" ON "citations" ("fingerprint") WHERE "doi" is null;--> statement-breakpoint
CREATE INDEX "citations_fingerprint_idx" ON "citations" ("fingerprint");--> statement-breakpoint
CREATE INDEX "citations_year_idx" ON "citations" ("year");--> statement-breakpoint
CREATE INDEX "citations_ris_type_idx" ON "citations" ("ris_type");--> statement-breakpoint
CREATE INDEX "citations_ingestion_id_idx" ON "citations" ("ingestion_id");--> statement-breakpoint
CREATE INDEX "citations_created_at_idx" ON "citations" ("created_at","id");--> statement-breakpoint
CREATE INDEX "contributions_author_id_idx" ON "contributions" ("author_id");--> statement-breakpoint
CREATE UNIQUE INDEX "keywords_term_key_key" ON "keywords" ("term_key");--> statement-breakpoint
ALTER TABLE "author_affiliations" ADD CONSTRAINT "author_affiliations_author_id_authors_id_fkey" FOREIGN KEY ("author_id") REFERENCES "authors"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "author_affiliations" ADD CONSTRAINT "author_affiliations_affiliation_id_affiliations_id_fkey" FOREIGN KEY ("affiliation_id") REFERENCES "affiliations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "author_affiliations" ADD CONSTRAINT "author_affiliations_citation_id_citations_id_fkey" FOREIGN KEY ("citation_id") REFERENCES "citations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "citation_affiliations" ADD CONSTRAINT "citation_affiliations_citation_id_citations_id_fkey" FOREIGN KEY ("citation_id") REFERENCES "citations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "citation_affiliations" ADD CONSTRAINT "citation_affiliations_affiliation_id_affiliations_id_fkey" FOREIGN KEY ("affiliation_id") REFERENCES "affiliations"("id") ON DELETE RESTRICT;--> statement-breakpoint
ALTER TABLE "citation_keywords" ADD CONSTRAINT "citation_keywords_citation_id_citations_id_fkey" FOREIGN KEY ("citation_id") REFERENCES "citations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "citation_keywords" ADD CONSTRAINT "citation_keywords_keyword_id_keywords_id_fkey" FOREIGN KEY ("keyword_id") REFERENCES "keywords"("id") ON DELETE RESTRICT;--> statement-breakpoint
ALTER TABLE "citations" ADD CONSTRAINT "citations_ingestion_id_ingestions_id_fkey" FOREIGN KEY ("ingestion_id") REFERENCES "ingestions"("id") ON DELETE SET NULL;--> statement-breakpoint
ALTER TABLE "contributions" ADD CONSTRAINT "contributions_citation_id_citations_id_fkey" FOREIGN KEY ("citation_id") REFERENCES "citations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "contributions" ADD CONSTRAINT "contributions_author_id_authors_id_fkey" FOREIGN KEY ("author_id") REFERENCES "authors"("id") ON DELETE RESTRICT;