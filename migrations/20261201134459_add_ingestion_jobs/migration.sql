CREATE TABLE "ingestion_uploads" (
	"ingestion_id" integer,
	"seq" integer,
	"content" bytea NOT NULL,
	CONSTRAINT "ingestion_uploads_pkey" PRIMARY KEY("ingestion_id","seq")
);
--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "format" text;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "unparsed_addresses" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "status" text DEFAULT 'succeeded' NOT NULL;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "records_done" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "bytes_done" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "bytes_total" bigint;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "error" text;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "cancel_requested" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "actor" text;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "outcomes" jsonb;--> statement-breakpoint
ALTER TABLE "ingestions" ADD COLUMN "queued_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ingestion_uploads" ADD CONSTRAINT "ingestion_uploads_ingestion_id_ingestions_id_fkey" FOREIGN KEY ("ingestion_id") REFERENCES "ingestions"("id") ON DELETE CASCADE;