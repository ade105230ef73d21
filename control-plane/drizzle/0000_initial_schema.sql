CREATE TYPE "public"."access_request_status" AS ENUM('pending', 'approved', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."agent_session_status" AS ENUM('inactive', 'pushing', 'active');--> statement-breakpoint
CREATE TYPE "public"."attempt_status" AS ENUM('assigned', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost');--> statement-breakpoint
CREATE TYPE "public"."audit_actor_type" AS ENUM('user', 'workstation', 'system');--> statement-breakpoint
CREATE TYPE "public"."event_origin" AS ENUM('system', 'user', 'agent', 'fallback');--> statement-breakpoint
CREATE TYPE "public"."fallback_item_status" AS ENUM('proposed', 'accepted', 'discarded');--> statement-breakpoint
CREATE TYPE "public"."fallback_run_status" AS ENUM('pending', 'awaiting_review', 'completed', 'cancelled', 'errored');--> statement-breakpoint
CREATE TYPE "public"."fallback_status" AS ENUM('active', 'paused', 'snoozed');--> statement-breakpoint
CREATE TYPE "public"."fallback_trigger" AS ENUM('automatic', 'manual', 'api');--> statement-breakpoint
CREATE TYPE "public"."mission_list" AS ENUM('todo', 'doing', 'review', 'done');--> statement-breakpoint
CREATE TYPE "public"."mission_origin" AS ENUM('manual', 'fallback', 'imported');--> statement-breakpoint
CREATE TYPE "public"."notification_channel" AS ENUM('in_app', 'email', 'webhook');--> statement-breakpoint
CREATE TYPE "public"."org_role" AS ENUM('owner', 'admin', 'member', 'viewer');--> statement-breakpoint
CREATE TYPE "public"."pr_mode" AS ENUM('disabled', 'enabled', 'auto');--> statement-breakpoint
CREATE TYPE "public"."project_role" AS ENUM('admin', 'member', 'viewer');--> statement-breakpoint
CREATE TYPE "public"."project_visibility" AS ENUM('private', 'public');--> statement-breakpoint
CREATE TYPE "public"."pull_request_state" AS ENUM('open', 'closed', 'merged');--> statement-breakpoint
CREATE TYPE "public"."review_status" AS ENUM('pending', 'approved', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."worktree_status" AS ENUM('free', 'in_use', 'dirty', 'evicting');--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"user_id" varchar(26) NOT NULL,
	"name" varchar(200),
	"key_hash" varchar(64) NOT NULL,
	"key_prefix" varchar(16) NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organization_memberships" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"organization_id" varchar(26) NOT NULL,
	"user_id" varchar(26) NOT NULL,
	"role" "org_role" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"name" varchar(200) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"email" varchar(320) NOT NULL,
	"name" varchar(200),
	"is_instance_admin" boolean DEFAULT false NOT NULL,
	"pseudonym" varchar(64),
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "access_requests" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"user_id" varchar(26) NOT NULL,
	"message" text,
	"status" "access_request_status" DEFAULT 'pending' NOT NULL,
	"decided_by" varchar(26),
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_activity" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"user_id" varchar(26),
	"kind" varchar(64) NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_members" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"user_id" varchar(26) NOT NULL,
	"role" "project_role" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_stars" (
	"user_id" varchar(26) NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_stars_user_id_project_id_pk" PRIMARY KEY("user_id","project_id")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"organization_id" varchar(26) NOT NULL,
	"name" varchar(200) NOT NULL,
	"description" text,
	"visibility" "project_visibility" DEFAULT 'private' NOT NULL,
	"default_agent" varchar(64),
	"max_concurrent_missions" integer DEFAULT 3 NOT NULL,
	"memory" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_repositories" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"url" varchar(2000) NOT NULL,
	"default_branch" varchar(255) DEFAULT 'main' NOT NULL,
	"provider" varchar(16) DEFAULT 'git' NOT NULL,
	"github_owner" varchar(100),
	"github_name" varchar(100),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "actors" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"name" varchar(200) NOT NULL,
	"description" text,
	"instructions" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flows" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"name" varchar(200) NOT NULL,
	"stages" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_workstations" (
	"project_id" varchar(26) NOT NULL,
	"workstation_id" varchar(26) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_workstations_project_id_workstation_id_pk" PRIMARY KEY("project_id","workstation_id")
);
--> statement-breakpoint
CREATE TABLE "workstation_repositories" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"workstation_id" varchar(26) NOT NULL,
	"repository_id" varchar(26) NOT NULL,
	"local_path" text NOT NULL,
	"last_fetched_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workstation_sessions" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"workstation_id" varchar(26) NOT NULL,
	"daemon_version" varchar(64),
	"agents" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"remote_address" varchar(100),
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_heartbeat_at" timestamp with time zone,
	"disconnected_at" timestamp with time zone,
	"disconnect_reason" text
);
--> statement-breakpoint
CREATE TABLE "workstation_worktrees" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"workstation_id" varchar(26) NOT NULL,
	"repository_id" varchar(26) NOT NULL,
	"path" text NOT NULL,
	"branch" varchar(255),
	"status" "worktree_status" DEFAULT 'free' NOT NULL,
	"mission_id" varchar(26),
	"attempt_id" varchar(26),
	"size_bytes" bigint,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workstations" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"organization_id" varchar(26) NOT NULL,
	"name" varchar(200) NOT NULL,
	"token_hash" varchar(64) NOT NULL,
	"token_prefix" varchar(16) NOT NULL,
	"max_concurrent_missions" integer DEFAULT 2 NOT NULL,
	"daemon_version" varchar(64),
	"agents" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_seen_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_by" varchar(26),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mission_dependencies" (
	"mission_id" varchar(26) NOT NULL,
	"depends_on_mission_id" varchar(26) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mission_dependencies_mission_id_depends_on_mission_id_pk" PRIMARY KEY("mission_id","depends_on_mission_id"),
	CONSTRAINT "mission_dependencies_not_self" CHECK ("mission_dependencies"."mission_id" <> "mission_dependencies"."depends_on_mission_id")
);
--> statement-breakpoint
CREATE TABLE "mission_events" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"mission_id" varchar(26) NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"seq" integer NOT NULL,
	"origin" "event_origin" DEFAULT 'system' NOT NULL,
	"kind" varchar(64) NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"user_id" varchar(26),
	"attempt_id" varchar(26),
	"attempt_seq" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "missions" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"title" varchar(500) NOT NULL,
	"description" text,
	"clarification" text,
	"priority" integer DEFAULT 3 NOT NULL,
	"list" "mission_list" DEFAULT 'todo' NOT NULL,
	"list_order" numeric(20, 10) DEFAULT 1000 NOT NULL,
	"flow_id" varchar(26),
	"stage" varchar(64) DEFAULT 'clarify' NOT NULL,
	"requires_review" boolean DEFAULT false NOT NULL,
	"actor_id" varchar(26),
	"repository_id" varchar(26),
	"target_branch" varchar(120) DEFAULT 'main' NOT NULL,
	"pr_mode" "pr_mode" DEFAULT 'auto' NOT NULL,
	"pr_branch_name" varchar(255),
	"github_pr_number" integer,
	"ready" boolean DEFAULT false NOT NULL,
	"origin" "mission_origin" DEFAULT 'manual' NOT NULL,
	"fallback_item_id" varchar(26),
	"agent_session_status" "agent_session_status" DEFAULT 'inactive' NOT NULL,
	"solution_path" text,
	"tasks_path" text,
	"review_status" "review_status",
	"review_feedback" text,
	"reviewed_by" varchar(64),
	"dependency_count" integer DEFAULT 0 NOT NULL,
	"last_event_seq" integer DEFAULT 0 NOT NULL,
	"created_by" varchar(26),
	"last_event_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "missions_priority_range" CHECK ("missions"."priority" BETWEEN 1 AND 5),
	CONSTRAINT "missions_dependency_count_nonnegative" CHECK ("missions"."dependency_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "code_agent_sessions" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"mission_id" varchar(26) NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"workstation_id" varchar(26),
	"agent_type" varchar(64),
	"stage" varchar(64),
	"status" "attempt_status" DEFAULT 'assigned' NOT NULL,
	"lease_version" integer DEFAULT 1 NOT NULL,
	"lease_expires_at" timestamp with time zone,
	"attempt_number" integer DEFAULT 1 NOT NULL,
	"branch" varchar(255),
	"head_commit" varchar(64),
	"reason" text,
	"last_acked_seq" integer DEFAULT 0 NOT NULL,
	"log_path" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "github_pr_comments" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"pull_request_id" varchar(26) NOT NULL,
	"github_comment_id" bigint NOT NULL,
	"kind" varchar(32) NOT NULL,
	"author_login" varchar(100),
	"author_association" varchar(32),
	"body" text,
	"path" text,
	"requests_changes" boolean DEFAULT false NOT NULL,
	"processed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "github_pull_requests" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"mission_id" varchar(26) NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"repository_id" varchar(26) NOT NULL,
	"number" integer NOT NULL,
	"url" text,
	"title" varchar(500),
	"state" "pull_request_state" DEFAULT 'open' NOT NULL,
	"head_branch" varchar(255) NOT NULL,
	"base_branch" varchar(255) NOT NULL,
	"review_state" varchar(32),
	"comments_etag" varchar(200),
	"feedback_cycles" integer DEFAULT 0 NOT NULL,
	"merged_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mission_fallback_configs" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"backlog_threshold" integer DEFAULT 5 NOT NULL,
	"check_cadence_minutes" integer DEFAULT 15 NOT NULL,
	"auto_accept" boolean DEFAULT false NOT NULL,
	"monthly_target_hours" integer DEFAULT 120 NOT NULL,
	"weekly_mission_cap" integer DEFAULT 20 NOT NULL,
	"status" "fallback_status" DEFAULT 'active' NOT NULL,
	"snoozed_until" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"last_checked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mission_fallback_items" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"mission_fallback_run_id" varchar(26) NOT NULL,
	"template_id" varchar(26) NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"title" varchar(500) NOT NULL,
	"description" text,
	"flow_id" varchar(26) NOT NULL,
	"actor_id" varchar(26) NOT NULL,
	"repository_id" varchar(26) NOT NULL,
	"priority" integer,
	"estimated_effort_minutes" integer,
	"status" "fallback_item_status" DEFAULT 'proposed' NOT NULL,
	"mission_id" varchar(26),
	"feedback" text,
	"decided_by" varchar(64),
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mission_fallback_runs" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"triggered_by" "fallback_trigger" NOT NULL,
	"backlog_count_before" integer,
	"backlog_threshold" integer,
	"generated_count" integer DEFAULT 0 NOT NULL,
	"accepted_count" integer DEFAULT 0 NOT NULL,
	"discarded_count" integer DEFAULT 0 NOT NULL,
	"status" "fallback_run_status" DEFAULT 'awaiting_review' NOT NULL,
	"error" text,
	"report_path" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "mission_fallback_templates" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"project_id" varchar(26) NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"flow_id" varchar(26) NOT NULL,
	"actor_id" varchar(26) NOT NULL,
	"repository_id" varchar(26) NOT NULL,
	"priority" integer DEFAULT 3 NOT NULL,
	"estimated_effort_minutes" integer NOT NULL,
	"acceptance_criteria" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"organization_id" varchar(26),
	"actor_type" "audit_actor_type" NOT NULL,
	"actor_id" varchar(64),
	"action" varchar(100) NOT NULL,
	"target_type" varchar(64),
	"target_id" varchar(64),
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_preferences" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"organization_id" varchar(26) NOT NULL,
	"user_id" varchar(26) NOT NULL,
	"kind" varchar(64) NOT NULL,
	"channel" "notification_channel" DEFAULT 'in_app' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"user_id" varchar(26) NOT NULL,
	"organization_id" varchar(26),
	"project_id" varchar(26),
	"mission_id" varchar(26),
	"kind" varchar(64) NOT NULL,
	"segment" varchar(32) DEFAULT 'mission' NOT NULL,
	"title" varchar(500) NOT NULL,
	"body" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"read_at" timestamp with time zone,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_memberships" ADD CONSTRAINT "organization_memberships_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_memberships" ADD CONSTRAINT "organization_memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_activity" ADD CONSTRAINT "project_activity_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_activity" ADD CONSTRAINT "project_activity_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_stars" ADD CONSTRAINT "project_stars_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_stars" ADD CONSTRAINT "project_stars_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_repositories" ADD CONSTRAINT "project_repositories_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "actors" ADD CONSTRAINT "actors_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flows" ADD CONSTRAINT "flows_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_workstations" ADD CONSTRAINT "project_workstations_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_workstations" ADD CONSTRAINT "project_workstations_workstation_id_workstations_id_fk" FOREIGN KEY ("workstation_id") REFERENCES "public"."workstations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workstation_repositories" ADD CONSTRAINT "workstation_repositories_workstation_id_workstations_id_fk" FOREIGN KEY ("workstation_id") REFERENCES "public"."workstations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workstation_repositories" ADD CONSTRAINT "workstation_repositories_repository_id_project_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."project_repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workstation_sessions" ADD CONSTRAINT "workstation_sessions_workstation_id_workstations_id_fk" FOREIGN KEY ("workstation_id") REFERENCES "public"."workstations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workstation_worktrees" ADD CONSTRAINT "workstation_worktrees_workstation_id_workstations_id_fk" FOREIGN KEY ("workstation_id") REFERENCES "public"."workstations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workstation_worktrees" ADD CONSTRAINT "workstation_worktrees_repository_id_project_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."project_repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workstations" ADD CONSTRAINT "workstations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workstations" ADD CONSTRAINT "workstations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_dependencies" ADD CONSTRAINT "mission_dependencies_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_dependencies" ADD CONSTRAINT "mission_dependencies_depends_on_mission_id_missions_id_fk" FOREIGN KEY ("depends_on_mission_id") REFERENCES "public"."missions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_events" ADD CONSTRAINT "mission_events_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_events" ADD CONSTRAINT "mission_events_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_events" ADD CONSTRAINT "mission_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "missions" ADD CONSTRAINT "missions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "missions" ADD CONSTRAINT "missions_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "missions" ADD CONSTRAINT "missions_actor_id_actors_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."actors"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "missions" ADD CONSTRAINT "missions_repository_id_project_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."project_repositories"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "missions" ADD CONSTRAINT "missions_fallback_item_id_mission_fallback_items_id_fk" FOREIGN KEY ("fallback_item_id") REFERENCES "public"."mission_fallback_items"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "missions" ADD CONSTRAINT "missions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD CONSTRAINT "code_agent_sessions_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD CONSTRAINT "code_agent_sessions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD CONSTRAINT "code_agent_sessions_workstation_id_workstations_id_fk" FOREIGN KEY ("workstation_id") REFERENCES "public"."workstations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_pr_comments" ADD CONSTRAINT "github_pr_comments_pull_request_id_github_pull_requests_id_fk" FOREIGN KEY ("pull_request_id") REFERENCES "public"."github_pull_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_pull_requests" ADD CONSTRAINT "github_pull_requests_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_pull_requests" ADD CONSTRAINT "github_pull_requests_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_pull_requests" ADD CONSTRAINT "github_pull_requests_repository_id_project_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."project_repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_configs" ADD CONSTRAINT "mission_fallback_configs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_items" ADD CONSTRAINT "mission_fallback_items_mission_fallback_run_id_mission_fallback_runs_id_fk" FOREIGN KEY ("mission_fallback_run_id") REFERENCES "public"."mission_fallback_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_items" ADD CONSTRAINT "mission_fallback_items_template_id_mission_fallback_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."mission_fallback_templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_items" ADD CONSTRAINT "mission_fallback_items_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_items" ADD CONSTRAINT "mission_fallback_items_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_items" ADD CONSTRAINT "mission_fallback_items_actor_id_actors_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."actors"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_items" ADD CONSTRAINT "mission_fallback_items_repository_id_project_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."project_repositories"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_items" ADD CONSTRAINT "mission_fallback_items_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_runs" ADD CONSTRAINT "mission_fallback_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_templates" ADD CONSTRAINT "mission_fallback_templates_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_templates" ADD CONSTRAINT "mission_fallback_templates_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_templates" ADD CONSTRAINT "mission_fallback_templates_actor_id_actors_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."actors"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_templates" ADD CONSTRAINT "mission_fallback_templates_repository_id_project_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."project_repositories"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "organization_memberships_org_user_key" ON "organization_memberships" USING btree ("organization_id","user_id");--> statement-breakpoint
CREATE INDEX "organization_memberships_user_idx" ON "organization_memberships" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "access_requests_project_status_idx" ON "access_requests" USING btree ("project_id","status");--> statement-breakpoint
CREATE INDEX "project_activity_project_created_idx" ON "project_activity" USING btree ("project_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "project_members_project_user_key" ON "project_members" USING btree ("project_id","user_id");--> statement-breakpoint
CREATE INDEX "project_members_user_idx" ON "project_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "project_stars_project_idx" ON "project_stars" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_org_name_key" ON "projects" USING btree ("organization_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "project_repositories_project_url_key" ON "project_repositories" USING btree ("project_id","url");--> statement-breakpoint
CREATE UNIQUE INDEX "actors_project_name_key" ON "actors" USING btree ("project_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "flows_project_name_key" ON "flows" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "project_workstations_ws_idx" ON "project_workstations" USING btree ("workstation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "workstation_repositories_ws_repo_key" ON "workstation_repositories" USING btree ("workstation_id","repository_id");--> statement-breakpoint
CREATE INDEX "workstation_sessions_workstation_idx" ON "workstation_sessions" USING btree ("workstation_id","connected_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "workstation_worktrees_ws_path_key" ON "workstation_worktrees" USING btree ("workstation_id","path");--> statement-breakpoint
CREATE UNIQUE INDEX "workstations_token_hash_key" ON "workstations" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "workstations_org_idx" ON "workstations" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "mission_dependencies_blocker_idx" ON "mission_dependencies" USING btree ("depends_on_mission_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mission_events_mission_seq_key" ON "mission_events" USING btree ("mission_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "mission_events_attempt_seq_key" ON "mission_events" USING btree ("attempt_id","attempt_seq");--> statement-breakpoint
CREATE INDEX "mission_events_project_created_idx" ON "mission_events" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "idx_missions_project_list_ready" ON "missions" USING btree ("project_id","list","ready");--> statement-breakpoint
CREATE INDEX "idx_missions_backlog" ON "missions" USING btree ("project_id") WHERE "missions"."list" = 'todo' AND "missions"."ready";--> statement-breakpoint
CREATE INDEX "idx_missions_board_order" ON "missions" USING btree ("project_id","list","list_order","id");--> statement-breakpoint
CREATE UNIQUE INDEX "missions_fallback_item_key" ON "missions" USING btree ("fallback_item_id");--> statement-breakpoint
CREATE INDEX "code_agent_sessions_mission_idx" ON "code_agent_sessions" USING btree ("mission_id","created_at");--> statement-breakpoint
CREATE INDEX "code_agent_sessions_workstation_status_idx" ON "code_agent_sessions" USING btree ("workstation_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "github_pr_comments_pr_comment_key" ON "github_pr_comments" USING btree ("pull_request_id","kind","github_comment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "github_pull_requests_repo_number_key" ON "github_pull_requests" USING btree ("repository_id","number");--> statement-breakpoint
CREATE INDEX "github_pull_requests_mission_idx" ON "github_pull_requests" USING btree ("mission_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mission_fallback_configs_project_key" ON "mission_fallback_configs" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "idx_mission_fallback_items_run_status" ON "mission_fallback_items" USING btree ("mission_fallback_run_id","status");--> statement-breakpoint
CREATE INDEX "mission_fallback_items_project_status_idx" ON "mission_fallback_items" USING btree ("project_id","status");--> statement-breakpoint
CREATE INDEX "mission_fallback_templates_project_idx" ON "mission_fallback_templates" USING btree ("project_id","enabled");--> statement-breakpoint
CREATE INDEX "audit_events_org_created_idx" ON "audit_events" USING btree ("organization_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "notification_preferences_key" ON "notification_preferences" USING btree ("organization_id","user_id","kind","channel");--> statement-breakpoint
CREATE INDEX "idx_notifications_unread" ON "notifications" USING btree ("user_id","created_at" DESC NULLS LAST) WHERE "notifications"."read_at" IS NULL;--> statement-breakpoint
CREATE INDEX "notifications_user_created_idx" ON "notifications" USING btree ("user_id","created_at" DESC NULLS LAST);