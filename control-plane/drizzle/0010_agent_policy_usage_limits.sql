ALTER TYPE "public"."attempt_status" ADD VALUE 'limited';--> statement-breakpoint
CREATE TABLE "workstation_agent_limits" (
	"workstation_id" varchar(26) NOT NULL,
	"agent_type" varchar(64) NOT NULL,
	"limited_until" timestamp with time zone NOT NULL,
	"reason" text,
	"attempt_id" varchar(26),
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workstation_agent_limits_workstation_id_agent_type_pk" PRIMARY KEY("workstation_id","agent_type")
);
--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "agent_permission_policy" varchar(16) DEFAULT 'edits' NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "monthly_budget_usd" numeric(12, 2);--> statement-breakpoint
ALTER TABLE "missions" ADD COLUMN "agent_permission_policy" varchar(16);--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "agent_session_id" varchar(128);--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "resumed_from_attempt_id" varchar(26);--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "permission_denials" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "input_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "output_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "cache_read_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "cache_write_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "cost_usd" numeric(14, 6);--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "num_turns" integer;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "api_ms" integer;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "limited_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workstation_agent_limits" ADD CONSTRAINT "workstation_agent_limits_workstation_id_workstations_id_fk" FOREIGN KEY ("workstation_id") REFERENCES "public"."workstations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "code_agent_sessions_project_created_idx" ON "code_agent_sessions" USING btree ("project_id","created_at");
--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_agent_permission_policy_check" CHECK ("agent_permission_policy" IN ('edits', 'readonly', 'full'));--> statement-breakpoint
ALTER TABLE "missions" ADD CONSTRAINT "missions_agent_permission_policy_check" CHECK ("agent_permission_policy" IS NULL OR "agent_permission_policy" IN ('edits', 'readonly', 'full'));--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_monthly_budget_usd_check" CHECK ("monthly_budget_usd" IS NULL OR "monthly_budget_usd" >= 0);--> statement-breakpoint

-- The daily metrics view gains the agents' usage per project and day (by the day an attempt began):
-- attempts, tokens and reported cost, beside the Mission Fallback figures it already held.
DROP MATERIALIZED VIEW IF EXISTS "mv_project_metrics_daily";--> statement-breakpoint
CREATE MATERIALIZED VIEW "mv_project_metrics_daily" AS
WITH live AS (
  SELECT project_id, (created_at AT TIME ZONE 'UTC')::date AS day,
         count(*) AS generated, 0::bigint AS accepted, 0::bigint AS discarded,
         0::bigint AS checks, 0::numeric AS backlog_sum, 0::bigint AS below,
         0::bigint AS attempts, 0::numeric AS input_tokens, 0::numeric AS output_tokens,
         0::numeric AS cache_read_tokens, 0::numeric AS cache_write_tokens, 0::numeric AS cost_usd
    FROM mission_fallback_items GROUP BY 1, 2
  UNION ALL
  SELECT project_id, (decided_at AT TIME ZONE 'UTC')::date, 0,
         count(*) FILTER (WHERE status = 'accepted'), count(*) FILTER (WHERE status = 'discarded'), 0, 0, 0,
         0, 0, 0, 0, 0, 0
    FROM mission_fallback_items WHERE decided_at IS NOT NULL GROUP BY 1, 2
  UNION ALL
  SELECT project_id, (checked_at AT TIME ZONE 'UTC')::date, 0, 0, 0,
         count(*), sum(backlog_count), count(*) FILTER (WHERE backlog_count < backlog_threshold),
         0, 0, 0, 0, 0, 0
    FROM mission_fallback_backlog_samples GROUP BY 1, 2
  UNION ALL
  SELECT project_id, day, generated, accepted, discarded, backlog_samples, backlog_sum, below_threshold_samples,
         0, 0, 0, 0, 0, 0
    FROM mission_fallback_metrics_archive
  UNION ALL
  SELECT project_id, (created_at AT TIME ZONE 'UTC')::date, 0, 0, 0, 0, 0, 0,
         count(*) FILTER (WHERE stage IS DISTINCT FROM 'merge'), sum(input_tokens), sum(output_tokens),
         sum(cache_read_tokens), sum(cache_write_tokens), coalesce(sum(cost_usd), 0)
    FROM code_agent_sessions GROUP BY 1, 2
)
SELECT project_id, day,
       sum(generated)::int AS fallback_generated,
       sum(accepted)::int AS fallback_accepted,
       sum(discarded)::int AS fallback_discarded,
       CASE WHEN sum(checks) > 0 THEN round(sum(backlog_sum) / sum(checks), 2) END AS avg_backlog_size,
       sum(checks)::int AS backlog_checks,
       sum(below)::int AS below_threshold_checks,
       sum(attempts)::int AS agent_attempts,
       sum(input_tokens)::bigint AS agent_input_tokens,
       sum(output_tokens)::bigint AS agent_output_tokens,
       sum(cache_read_tokens)::bigint AS agent_cache_read_tokens,
       sum(cache_write_tokens)::bigint AS agent_cache_write_tokens,
       round(sum(cost_usd), 6) AS agent_cost_usd
  FROM live GROUP BY project_id, day;
--> statement-breakpoint
CREATE UNIQUE INDEX "mv_project_metrics_daily_key" ON "mv_project_metrics_daily" ("project_id", "day");
