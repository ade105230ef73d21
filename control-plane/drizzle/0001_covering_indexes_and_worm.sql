-- Custom SQL that drizzle-kit cannot express. Runs on PostgreSQL 15 and PGlite.

-- Fallback run listing (newest first, with status) is served from this covering index alone.
CREATE INDEX IF NOT EXISTS "idx_mission_fallback_runs_project"
  ON "mission_fallback_runs" ("project_id", "started_at" DESC) INCLUDE ("status");
--> statement-breakpoint

-- Audit events are write-once: no UPDATE ever, and DELETE only once a row is 400 days old.
CREATE OR REPLACE FUNCTION su_audit_events_worm() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'audit_events are write-once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.created_at > now() - interval '400 days' THEN
    RAISE EXCEPTION 'audit_events are retained for 400 days' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "audit_events_worm" ON "audit_events";
--> statement-breakpoint
CREATE TRIGGER "audit_events_worm" BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION su_audit_events_worm();
