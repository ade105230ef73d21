CREATE TABLE "github_integrations" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"organization_id" varchar(26) NOT NULL,
	"project_id" varchar(26),
	"token_ciphertext" text NOT NULL,
	"token_hint" varchar(16) NOT NULL,
	"webhook_secret_ciphertext" text,
	"api_base_url" varchar(500) NOT NULL,
	"max_feedback_cycles" integer DEFAULT 3 NOT NULL,
	"updated_by" varchar(26),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "github_integrations_cycles_check" CHECK ("github_integrations"."max_feedback_cycles" BETWEEN 0 AND 50)
);
--> statement-breakpoint
CREATE TABLE "github_pr_jobs" (
	"mission_id" varchar(26) PRIMARY KEY NOT NULL,
	"attempt_id" varchar(26),
	"head_commit" varchar(64),
	"tries" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"run_after" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "code_agent_sessions" ADD COLUMN "pr_mode" varchar(16);--> statement-breakpoint
ALTER TABLE "github_pull_requests" ADD COLUMN "etags" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "github_pull_requests" ADD COLUMN "head_commit" varchar(64);--> statement-breakpoint
ALTER TABLE "github_integrations" ADD CONSTRAINT "github_integrations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_integrations" ADD CONSTRAINT "github_integrations_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_integrations" ADD CONSTRAINT "github_integrations_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_pr_jobs" ADD CONSTRAINT "github_pr_jobs_mission_id_missions_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."missions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "github_integrations_project_key" ON "github_integrations" USING btree ("project_id") WHERE "github_integrations"."project_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "github_integrations_org_key" ON "github_integrations" USING btree ("organization_id") WHERE "github_integrations"."project_id" IS NULL;--> statement-breakpoint
CREATE INDEX "github_pr_jobs_run_after_idx" ON "github_pr_jobs" USING btree ("run_after");--> statement-breakpoint
ALTER TABLE "github_pull_requests" DROP COLUMN "comments_etag";