-- Realtime: every publishable change is logged per channel and announced with NOTIFY, which
-- PostgreSQL delivers only on commit and in commit order, to every control-plane process.

CREATE OR REPLACE FUNCTION su_realtime_append(p_channel text, p_type text, p_data jsonb) RETURNS bigint AS $$
DECLARE
  next_seq bigint;
BEGIN
  INSERT INTO realtime_channels AS c (channel, last_seq) VALUES (p_channel, 1)
    ON CONFLICT (channel) DO UPDATE SET last_seq = c.last_seq + 1
    RETURNING last_seq INTO next_seq;
  INSERT INTO realtime_log (channel, seq, type, data) VALUES (p_channel, next_seq, p_type, p_data);
  PERFORM pg_notify('su_realtime', json_build_object('c', p_channel, 's', next_seq)::text);
  RETURN next_seq;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint

-- A mission's timeline: the cursor is the mission's own seq; only announce it.
CREATE OR REPLACE FUNCTION su_mission_events_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('su_realtime', json_build_object('c', 'mission:' || NEW.mission_id || ':events', 's', NEW.seq)::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "mission_events_realtime" ON "mission_events";
--> statement-breakpoint
CREATE TRIGGER "mission_events_realtime" AFTER INSERT ON "mission_events"
  FOR EACH ROW EXECUTE FUNCTION su_mission_events_notify();
--> statement-breakpoint

-- The board: a mission created or changed in a way the board shows (not every event-seq bump).
CREATE OR REPLACE FUNCTION su_missions_realtime() RETURNS trigger AS $$
BEGIN
  PERFORM su_realtime_append(
    'project:' || NEW.project_id || ':missions',
    CASE WHEN TG_OP = 'INSERT' THEN 'mission.created' ELSE 'mission.changed' END,
    jsonb_build_object(
      'missionId', NEW.id, 'title', NEW.title, 'list', NEW.list, 'listOrder', NEW.list_order, 'ready', NEW.ready,
      'priority', NEW.priority, 'stage', NEW.stage, 'agentSessionStatus', NEW.agent_session_status,
      'reviewStatus', NEW.review_status, 'dependencyCount', NEW.dependency_count, 'origin', NEW.origin));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "missions_realtime_insert" ON "missions";
--> statement-breakpoint
CREATE TRIGGER "missions_realtime_insert" AFTER INSERT ON "missions"
  FOR EACH ROW EXECUTE FUNCTION su_missions_realtime();
--> statement-breakpoint
DROP TRIGGER IF EXISTS "missions_realtime_update" ON "missions";
--> statement-breakpoint
CREATE TRIGGER "missions_realtime_update" AFTER UPDATE ON "missions"
  FOR EACH ROW WHEN (
    OLD.title IS DISTINCT FROM NEW.title OR OLD.list IS DISTINCT FROM NEW.list OR OLD.list_order IS DISTINCT FROM NEW.list_order
    OR OLD.ready IS DISTINCT FROM NEW.ready OR OLD.priority IS DISTINCT FROM NEW.priority OR OLD.stage IS DISTINCT FROM NEW.stage
    OR OLD.agent_session_status IS DISTINCT FROM NEW.agent_session_status OR OLD.review_status IS DISTINCT FROM NEW.review_status
    OR OLD.dependency_count IS DISTINCT FROM NEW.dependency_count OR OLD.description IS DISTINCT FROM NEW.description
  ) EXECUTE FUNCTION su_missions_realtime();
--> statement-breakpoint

-- Workstation presence: a session opening or closing.
CREATE OR REPLACE FUNCTION su_workstation_sessions_realtime() RETURNS trigger AS $$
DECLARE
  org varchar(26);
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.disconnected_at IS NOT DISTINCT FROM OLD.disconnected_at THEN
    RETURN NULL;
  END IF;
  SELECT organization_id INTO org FROM workstations WHERE id = NEW.workstation_id;
  PERFORM su_realtime_append(
    'organization:' || org || ':workstations',
    CASE WHEN NEW.disconnected_at IS NULL THEN 'workstation.online' ELSE 'workstation.offline' END,
    jsonb_build_object('workstationId', NEW.workstation_id, 'sessionId', NEW.id,
                       'at', COALESCE(NEW.disconnected_at, NEW.connected_at)));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "workstation_sessions_realtime" ON "workstation_sessions";
--> statement-breakpoint
CREATE TRIGGER "workstation_sessions_realtime" AFTER INSERT OR UPDATE OF disconnected_at ON "workstation_sessions"
  FOR EACH ROW EXECUTE FUNCTION su_workstation_sessions_realtime();
