CREATE TYPE "public"."workstation_visibility" AS ENUM('hidden', 'status', 'full');--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "role" "project_role" DEFAULT 'member' NOT NULL;--> statement-breakpoint
ALTER TABLE "workstations" ADD COLUMN "visibility" "workstation_visibility" DEFAULT 'full' NOT NULL;--> statement-breakpoint
ALTER TABLE "missions" ADD COLUMN "workstation_id" varchar(26);--> statement-breakpoint
ALTER TABLE "missions" ADD CONSTRAINT "missions_workstation_id_workstations_id_fk" FOREIGN KEY ("workstation_id") REFERENCES "public"."workstations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- One open request per person and project. Nothing asked twice before (there was no API), but keep the newest if so.
UPDATE "access_requests" r SET "status" = 'rejected', "decided_at" = now()
  WHERE r."status" = 'pending' AND EXISTS (
    SELECT 1 FROM "access_requests" n WHERE n."project_id" = r."project_id" AND n."user_id" = r."user_id" AND n."status" = 'pending' AND n."id" > r."id"
  );--> statement-breakpoint
CREATE UNIQUE INDEX "access_requests_pending_key" ON "access_requests" USING btree ("project_id","user_id") WHERE "access_requests"."status" = 'pending';