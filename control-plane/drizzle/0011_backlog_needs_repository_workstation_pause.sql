DROP INDEX "idx_missions_backlog";--> statement-breakpoint
ALTER TABLE "workstations" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workstations" ADD COLUMN "paused_reason" text;--> statement-breakpoint
CREATE INDEX "idx_missions_backlog" ON "missions" USING btree ("project_id") WHERE "missions"."list" = 'todo' AND "missions"."ready" AND "missions"."repository_id" IS NOT NULL;