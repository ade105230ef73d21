-- A change that decides where or whether a mission can run (the workstation it is handed to, its
-- repository, its flow) is a board change too: the board shows it at once, and the dispatcher,
-- which listens to the board channel, offers the mission at once instead of at its next tick.
DROP TRIGGER IF EXISTS "missions_realtime_update" ON "missions";
--> statement-breakpoint
CREATE TRIGGER "missions_realtime_update" AFTER UPDATE ON "missions"
  FOR EACH ROW WHEN (
    OLD.title IS DISTINCT FROM NEW.title OR OLD.list IS DISTINCT FROM NEW.list OR OLD.list_order IS DISTINCT FROM NEW.list_order
    OR OLD.ready IS DISTINCT FROM NEW.ready OR OLD.priority IS DISTINCT FROM NEW.priority OR OLD.stage IS DISTINCT FROM NEW.stage
    OR OLD.agent_session_status IS DISTINCT FROM NEW.agent_session_status OR OLD.review_status IS DISTINCT FROM NEW.review_status
    OR OLD.dependency_count IS DISTINCT FROM NEW.dependency_count OR OLD.description IS DISTINCT FROM NEW.description
    OR OLD.workstation_id IS DISTINCT FROM NEW.workstation_id OR OLD.repository_id IS DISTINCT FROM NEW.repository_id
    OR OLD.flow_id IS DISTINCT FROM NEW.flow_id
  ) EXECUTE FUNCTION su_missions_realtime();
