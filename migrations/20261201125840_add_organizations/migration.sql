CREATE TABLE "affiliation_organizations" (
	"affiliation_id" integer,
	"organization_id" integer,
	"position" integer NOT NULL,
	"depth" integer NOT NULL,
	"spelling" text NOT NULL,
	CONSTRAINT "affiliation_organizations_pkey" PRIMARY KEY("affiliation_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "author_organizations" (
	"author_id" integer,
	"organization_id" integer,
	"evidence" text NOT NULL,
	"rules" text[] NOT NULL,
	"confidence" double precision NOT NULL,
	"citation_ids" integer[] NOT NULL,
	"supporting_citation_ids" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"unit_ids" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"first_year" integer,
	"last_year" integer,
	"citation_count" integer NOT NULL,
	CONSTRAINT "author_organizations_pkey" PRIMARY KEY("author_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "organization_aliases" (
	"identity" text PRIMARY KEY,
	"organization_id" integer NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organization_link_decisions" (
	"author_id" integer,
	"organization_id" integer,
	"decision" text NOT NULL,
	"decided_by" text NOT NULL,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organization_link_decisions_pkey" PRIMARY KEY("author_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "organizations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"key" text NOT NULL,
	"country_code" text,
	"country_name" text,
	"kind" text NOT NULL,
	"parent_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_identity_key" UNIQUE NULLS NOT DISTINCT("key","country_code","parent_id")
);
--> statement-breakpoint
ALTER TABLE "affiliations" ADD COLUMN "street" text;--> statement-breakpoint
ALTER TABLE "affiliations" ADD COLUMN "city" text;--> statement-breakpoint
ALTER TABLE "affiliations" ADD COLUMN "region" text;--> statement-breakpoint
ALTER TABLE "affiliations" ADD COLUMN "postal_code" text;--> statement-breakpoint
ALTER TABLE "affiliations" ADD COLUMN "country_code" text;--> statement-breakpoint
ALTER TABLE "affiliations" ADD COLUMN "emails_removed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "affiliations" ADD COLUMN "parsed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "affiliations" ADD COLUMN "parsed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "author_affiliations" ADD COLUMN "rule" text;--> statement-breakpoint
CREATE INDEX "affiliation_organizations_organization_id_idx" ON "affiliation_organizations" ("organization_id");--> statement-breakpoint
CREATE INDEX "affiliations_country_code_idx" ON "affiliations" ("country_code");--> statement-breakpoint
CREATE INDEX "author_organizations_organization_id_idx" ON "author_organizations" ("organization_id");--> statement-breakpoint
CREATE INDEX "organization_aliases_organization_id_idx" ON "organization_aliases" ("organization_id");--> statement-breakpoint
CREATE INDEX "organization_link_decisions_organization_id_idx" ON "organization_link_decisions" ("organization_id");--> statement-breakpoint
CREATE INDEX "organizations_parent_id_idx" ON "organizations" ("parent_id");--> statement-breakpoint
CREATE INDEX "organizations_country_code_idx" ON "organizations" ("country_code");--> statement-breakpoint
CREATE INDEX "organizations_key_trgm_idx" ON "organizations" USING gin ("key" gin_trgm_ops);--> statement-breakpoint
ALTER TABLE "affiliation_organizations" ADD CONSTRAINT "affiliation_organizations_affiliation_id_affiliations_id_fkey" FOREIGN KEY ("affiliation_id") REFERENCES "affiliations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "affiliation_organizations" ADD CONSTRAINT "affiliation_organizations_organization_id_organizations_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "author_organizations" ADD CONSTRAINT "author_organizations_author_id_authors_id_fkey" FOREIGN KEY ("author_id") REFERENCES "authors"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "author_organizations" ADD CONSTRAINT "author_organizations_organization_id_organizations_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "organization_aliases" ADD CONSTRAINT "organization_aliases_organization_id_organizations_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "organization_link_decisions" ADD CONSTRAINT "organization_link_decisions_author_id_authors_id_fkey" FOREIGN KEY ("author_id") REFERENCES "authors"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "organization_link_decisions" ADD CONSTRAINT "organization_link_decisions_G8zhda440AjB_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_parent_id_organizations_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "organizations"("id") ON DELETE CASCADE;