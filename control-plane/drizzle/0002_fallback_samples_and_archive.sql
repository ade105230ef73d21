CREATE TABLE "mission_fallback_backlog_samples" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "mission_fallback_backlog_samples_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" varchar(26) NOT NULL,
	"checked_at" timestamp with time zone NOT NULL,
	"backlog_count" integer NOT NULL,
	"backlog_threshold" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mission_fallback_metrics_archive" (
	"project_id" varchar(26) NOT NULL,
	"day" date NOT NULL,
	"generated" integer DEFAULT 0 NOT NULL,
	"accepted" integer DEFAULT 0 NOT NULL,
	"discarded" integer DEFAULT 0 NOT NULL,
	"backlog_samples" integer DEFAULT 0 NOT NULL,
	"backlog_sum" bigint DEFAULT 0 NOT NULL,
	"below_threshold_samples" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "mission_fallback_metrics_archive_project_id_day_pk" PRIMARY KEY("project_id","day")
);
--> statement-breakpoint
ALTER TABLE "mission_fallback_templates" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "mission_fallback_backlog_samples" ADD CONSTRAINT "mission_fallback_backlog_samples_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_fallback_metrics_archive" ADD CONSTRAINT "mission_fallback_metrics_archive_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mission_fallback_backlog_samples_project_idx" ON "mission_fallback_backlog_samples" USING btree ("project_id","checked_at");