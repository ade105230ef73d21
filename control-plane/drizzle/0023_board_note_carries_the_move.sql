-- A board change's NOTIFY also says what the dispatcher decides on: the mission, its list and the
-- list it left. Every control plane's dispatcher used to read realtime_log for each board change
-- to learn it (a round trip before a ready mission's claim could start, and one per change per
-- instance). Other listeners read only `c` and `s`; a note without `m` (sent before this
-- migration) still makes the dispatcher read the log.
CREATE OR REPLACE FUNCTION su_realtime_append(p_channel text, p_type text, p_data jsonb, p_note jsonb) RETURNS bigint AS $$
DECLARE
  next_seq bigint;
BEGIN
  INSERT INTO realtime_channels AS c (channel, last_seq) VALUES (p_channel, 1)
    ON CONFLICT (channel) DO UPDATE SET last_seq = c.last_seq + 1
    RETURNING last_seq INTO next_seq;
  INSERT INTO realtime_log (channel, seq, type, data) VALUES (p_channel, next_seq, p_type, p_data);
  PERFORM pg_notify('su_realtime', json_build_object('c', p_channel, 's', next_seq, 'm', p_note)::text);
  RETURN next_seq;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION su_missions_realtime() RETURNS trigger AS $$
BEGIN
  PERFORM su_realtime_append(
    'project:' || NEW.project_id || ':missions',
    CASE WHEN TG_OP = 'INSERT' THEN 'mission.created' ELSE 'mission.changed' END,
    jsonb_build_object(
      'missionId', NEW.id, 'title', NEW.title, 'list', NEW.list, 'listOrder', NEW.list_order, 'ready', NEW.ready,
      'priority', NEW.priority, 'stage', NEW.stage, 'agentSessionStatus', NEW.agent_session_status,
      'reviewStatus', NEW.review_status, 'dependencyCount', NEW.dependency_count, 'origin', NEW.origin,
      'previousList', CASE WHEN TG_OP = 'UPDATE' THEN OLD.list::text END),
    jsonb_build_object('missionId', NEW.id, 'list', NEW.list, 'previousList', CASE WHEN TG_OP = 'UPDATE' THEN OLD.list::text END));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
