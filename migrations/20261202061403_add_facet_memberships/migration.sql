CREATE TABLE "facet_memberships" (
	"kind" text,
	"citation_id" integer,
	"id" integer DEFAULT 0,
	"value" text DEFAULT '',
	CONSTRAINT "facet_memberships_pkey" PRIMARY KEY("citation_id","kind","id","value")
);
