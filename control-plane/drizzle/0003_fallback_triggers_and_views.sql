-- Mission Fallback rules the database enforces itself, and the derived metrics views.
-- Runs on PostgreSQL 15 and PGlite.

-- Run counts follow their items, and a run awaiting review completes when no proposal is left.
CREATE OR REPLACE FUNCTION su_fallback_run_counts() RETURNS trigger AS $$
DECLARE
  run_id varchar(26) := COALESCE(NEW.mission_fallback_run_id, OLD.mission_fallback_run_id);
  decided timestamptz := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.decided_at END;
BEGIN
  UPDATE mission_fallback_runs r SET
    generated_count = c.generated,
    accepted_count = c.accepted,
    discarded_count = c.discarded,
    status = CASE WHEN r.status = 'awaiting_review' AND c.open = 0 AND c.generated > 0 THEN 'completed' ELSE r.status END,
    completed_at = CASE WHEN r.status = 'awaiting_review' AND c.open = 0 AND c.generated > 0
                        THEN COALESCE(decided, now()) ELSE r.completed_at END
  FROM (
    SELECT count(*)::int AS generated,
           count(*) FILTER (WHERE status = 'accepted')::int AS accepted,
           count(*) FILTER (WHERE status = 'discarded')::int AS discarded,
           count(*) FILTER (WHERE status = 'proposed')::int AS open
      FROM mission_fallback_items WHERE mission_fallback_run_id = run_id
  ) c
  WHERE r.id = run_id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "mission_fallback_items_run_counts" ON "mission_fallback_items";
--> statement-breakpoint
CREATE TRIGGER "mission_fallback_items_run_counts"
  AFTER INSERT OR DELETE OR UPDATE OF status ON "mission_fallback_items"
  FOR EACH ROW EXECUTE FUNCTION su_fallback_run_counts();
--> statement-breakpoint

-- The weekly cap (accepted fallback missions per ISO week, UTC) holds under concurrent accepts:
-- the project's config row is locked first, so accepts of one project serialise, and the count
-- (a fresh snapshot per statement under READ COMMITTED) sees every accept committed before.
CREATE OR REPLACE FUNCTION su_fallback_weekly_cap() RETURNS trigger AS $$
DECLARE
  cap integer;
  used integer;
  week_start timestamptz;
BEGIN
  SELECT weekly_mission_cap INTO cap FROM mission_fallback_configs WHERE project_id = NEW.project_id FOR UPDATE;
  cap := COALESCE(cap, 20);
  week_start := date_trunc('week', COALESCE(NEW.decided_at, now()) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  SELECT count(*) INTO used FROM mission_fallback_items
   WHERE project_id = NEW.project_id AND status = 'accepted' AND id <> NEW.id
     AND decided_at >= week_start AND decided_at < week_start + interval '7 days';
  IF used >= cap THEN
    RAISE EXCEPTION 'weekly fallback mission cap reached (% of %)', used, cap
      USING ERRCODE = 'SU001', DETAIL = json_build_object('used', used, 'cap', cap)::text;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "mission_fallback_items_weekly_cap" ON "mission_fallback_items";
--> statement-breakpoint
CREATE TRIGGER "mission_fallback_items_weekly_cap"
  BEFORE UPDATE OF status ON "mission_fallback_items"
  FOR EACH ROW WHEN (NEW.status = 'accepted' AND OLD.status IS DISTINCT FROM 'accepted')
  EXECUTE FUNCTION su_fallback_weekly_cap();
--> statement-breakpoint

-- Open proposals per project are read on every scheduler tick.
CREATE INDEX IF NOT EXISTS "mission_fallback_items_open_idx"
  ON "mission_fallback_items" ("project_id") WHERE status = 'proposed';
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "mission_fallback_items_decided_idx"
  ON "mission_fallback_items" ("project_id", "decided_at") WHERE status = 'accepted';
--> statement-breakpoint

-- Daily fallback metrics per project: live rows plus the archive of purged ones.
CREATE MATERIALIZED VIEW IF NOT EXISTS "mv_project_metrics_daily" AS
WITH live AS (
  SELECT project_id, (created_at AT TIME ZONE 'UTC')::date AS day,
         count(*) AS generated, 0::bigint AS accepted, 0::bigint AS discarded,
         0::bigint AS checks, 0::numeric AS backlog_sum, 0::bigint AS below
    FROM mission_fallback_items GROUP BY 1, 2
  UNION ALL
  SELECT project_id, (decided_at AT TIME ZONE 'UTC')::date, 0,
         count(*) FILTER (WHERE status = 'accepted'), count(*) FILTER (WHERE status = 'discarded'), 0, 0, 0
    FROM mission_fallback_items WHERE decided_at IS NOT NULL GROUP BY 1, 2
  UNION ALL
  SELECT project_id, (checked_at AT TIME ZONE 'UTC')::date, 0, 0, 0,
         count(*), sum(backlog_count), count(*) FILTER (WHERE backlog_count < backlog_threshold)
    FROM mission_fallback_backlog_samples GROUP BY 1, 2
  UNION ALL
  SELECT project_id, day, generated, accepted, discarded, backlog_samples, backlog_sum, below_threshold_samples
    FROM mission_fallback_metrics_archive
)
SELECT project_id, day,
       sum(generated)::int AS fallback_generated,
       sum(accepted)::int AS fallback_accepted,
       sum(discarded)::int AS fallback_discarded,
       CASE WHEN sum(checks) > 0 THEN round(sum(backlog_sum) / sum(checks), 2) END AS avg_backlog_size,
       sum(checks)::int AS backlog_checks,
       sum(below)::int AS below_threshold_checks
  FROM live GROUP BY project_id, day;
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "mv_project_metrics_daily_key" ON "mv_project_metrics_daily" ("project_id", "day");
--> statement-breakpoint

-- Guardrail health per project, as of the last refresh.
CREATE MATERIALIZED VIEW IF NOT EXISTS "mv_fallback_health" AS
SELECT c.project_id, c.status, c.backlog_threshold, c.weekly_mission_cap, c.monthly_target_hours, c.last_run_at,
       s.checks_30d::int,
       CASE WHEN s.checks_30d > 0 THEN round(s.adherent_30d::numeric / s.checks_30d, 4) END AS threshold_adherence,
       w.accepted_this_week::int,
       CASE WHEN c.weekly_mission_cap > 0 THEN round(w.accepted_this_week::numeric / c.weekly_mission_cap, 4) END AS weekly_cap_usage,
       m.accepted_minutes_this_month::int,
       CASE WHEN c.monthly_target_hours > 0 THEN round(m.accepted_minutes_this_month::numeric / (c.monthly_target_hours * 60), 4) END AS monthly_hours_usage,
       r.runs_30d::int, r.errored_runs_30d::int,
       now() AS refreshed_at
  FROM mission_fallback_configs c
  LEFT JOIN LATERAL (
    SELECT count(*) AS checks_30d, count(*) FILTER (WHERE backlog_count >= backlog_threshold) AS adherent_30d
      FROM mission_fallback_backlog_samples WHERE project_id = c.project_id AND checked_at > now() - interval '30 days'
  ) s ON true
  LEFT JOIN LATERAL (
    SELECT count(*) AS accepted_this_week FROM mission_fallback_items
     WHERE project_id = c.project_id AND status = 'accepted'
       AND decided_at >= date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
  ) w ON true
  LEFT JOIN LATERAL (
    SELECT COALESCE(sum(estimated_effort_minutes), 0) AS accepted_minutes_this_month FROM mission_fallback_items
     WHERE project_id = c.project_id AND status = 'accepted'
       AND decided_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
  ) m ON true
  LEFT JOIN LATERAL (
    SELECT count(*) AS runs_30d, count(*) FILTER (WHERE status = 'errored') AS errored_runs_30d
      FROM mission_fallback_runs WHERE project_id = c.project_id AND started_at > now() - interval '30 days'
  ) r ON true;
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "mv_fallback_health_key" ON "mv_fallback_health" ("project_id");
--> statement-breakpoint

-- Notification counts per user and segment (fallback included), for badges.
CREATE MATERIALIZED VIEW IF NOT EXISTS "mv_notification_counts" AS
SELECT user_id, segment,
       count(*) FILTER (WHERE read_at IS NULL AND archived_at IS NULL)::int AS unread,
       count(*)::int AS total
  FROM notifications GROUP BY user_id, segment;
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "mv_notification_counts_key" ON "mv_notification_counts" ("user_id", "segment");
