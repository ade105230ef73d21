-- A mission's timeline is announced once per INSERT statement and mission (with its highest seq),
-- not once per row: a daemon's batch of 500 events sent 500 NOTIFYs, each parsed by every
-- control plane's listener. Subscribers read the channel from their cursor, so one note per
-- statement tells them the same.
CREATE OR REPLACE FUNCTION su_mission_events_notify_statement() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('su_realtime', json_build_object('c', 'mission:' || n.mission_id || ':events', 's', n.seq)::text)
    FROM (SELECT mission_id, max(seq) AS seq FROM new_events GROUP BY mission_id) AS n;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "mission_events_realtime" ON "mission_events";
--> statement-breakpoint
CREATE TRIGGER "mission_events_realtime" AFTER INSERT ON "mission_events"
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION su_mission_events_notify_statement();
--> statement-breakpoint
DROP FUNCTION IF EXISTS su_mission_events_notify();
