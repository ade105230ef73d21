-- The board feed also says which list a mission came from, so consumers act on transitions
-- (e.g. the dispatcher cancels an agent only when its mission leaves Doing).
CREATE OR REPLACE FUNCTION su_missions_realtime() RETURNS trigger AS $$
BEGIN
  PERFORM su_realtime_append(
    'project:' || NEW.project_id || ':missions',
    CASE WHEN TG_OP = 'INSERT' THEN 'mission.created' ELSE 'mission.changed' END,
    jsonb_build_object(
      'missionId', NEW.id, 'title', NEW.title, 'list', NEW.list, 'listOrder', NEW.list_order, 'ready', NEW.ready,
      'priority', NEW.priority, 'stage', NEW.stage, 'agentSessionStatus', NEW.agent_session_status,
      'reviewStatus', NEW.review_status, 'dependencyCount', NEW.dependency_count, 'origin', NEW.origin,
      'previousList', CASE WHEN TG_OP = 'UPDATE' THEN OLD.list::text END));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
