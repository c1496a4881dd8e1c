CREATE TABLE "write_generation" (
	"id" integer PRIMARY KEY,
	"epoch" uuid DEFAULT gen_random_uuid() NOT NULL,
	"value" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "write_generation_one_row" CHECK ("id" = 1)
);
--> statement-breakpoint
CREATE TABLE "write_generation_pending" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "write_generation_pending_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1)
);
