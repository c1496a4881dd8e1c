CREATE TABLE "facet_changes" (
	"txid" bigint DEFAULT txid_current() NOT NULL,
	"kind" text NOT NULL,
	"id" integer DEFAULT 0 NOT NULL,
	"value" text DEFAULT '' NOT NULL,
	"delta" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "facet_memberships" (
	"kind" text,
	"citation_id" integer,
	"id" integer DEFAULT 0,
	"value" text DEFAULT '',
	CONSTRAINT "facet_memberships_pkey" PRIMARY KEY("citation_id","kind","id","value")
);
--> statement-breakpoint
CREATE TABLE "facet_totals" (
	"kind" text,
	"id" integer DEFAULT 0,
	"value" text DEFAULT '',
	"count" integer NOT NULL,
	CONSTRAINT "facet_totals_pkey" PRIMARY KEY("kind","id","value")
);
--> statement-breakpoint
CREATE INDEX "facet_changes_txid_idx" ON "facet_changes" ("txid");--> statement-breakpoint
CREATE INDEX "facet_totals_largest_idx" ON "facet_totals" ("kind","count" DESC,"id","value");