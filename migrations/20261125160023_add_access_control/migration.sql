CREATE TABLE "api_tokens" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subjects" text[] NOT NULL,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
CREATE TABLE "merged_ids" (
	"kind" text,
	"from_id" integer,
	"into_id" integer NOT NULL,
	"from_key" text NOT NULL,
	"merged_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "merged_ids_pkey" PRIMARY KEY("kind","from_id")
);
--> statement-breakpoint
CREATE TABLE "not_duplicates" (
	"kind" text,
	"low_id" integer,
	"high_id" integer,
	"marked_by" text NOT NULL,
	"marked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "not_duplicates_pkey" PRIMARY KEY("kind","low_id","high_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens" ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_active_name_key" ON "api_tokens" ("name") WHERE "revoked_at" is null;--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" ("at","id");--> statement-breakpoint
CREATE INDEX "audit_log_subjects_idx" ON "audit_log" USING gin ("subjects");--> statement-breakpoint
CREATE UNIQUE INDEX "merged_ids_kind_from_key_key" ON "merged_ids" ("kind","from_key");--> statement-breakpoint
CREATE INDEX "merged_ids_kind_into_id_idx" ON "merged_ids" ("kind","into_id");--> statement-breakpoint
CREATE INDEX "not_duplicates_kind_high_id_idx" ON "not_duplicates" ("kind","high_id");