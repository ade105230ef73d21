CREATE TABLE "notification_digests" (
	"id" varchar(26) PRIMARY KEY NOT NULL,
	"user_id" varchar(26) NOT NULL,
	"week_start" date NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"subject" varchar(200) NOT NULL,
	"text" text NOT NULL,
	"summary" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_settings" (
	"user_id" varchar(26) PRIMARY KEY NOT NULL,
	"time_zone" varchar(64) DEFAULT 'UTC' NOT NULL,
	"quiet_start_minute" smallint,
	"quiet_end_minute" smallint,
	"weekly_digest" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "held_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "snoozed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "visible_at" timestamp with time zone DEFAULT '-infinity' NOT NULL;--> statement-breakpoint
ALTER TABLE "notification_digests" ADD CONSTRAINT "notification_digests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_settings" ADD CONSTRAINT "notification_settings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "notification_digests_user_week" ON "notification_digests" USING btree ("user_id","week_start" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "notifications_alerting_idx" ON "notifications" USING btree ("user_id","segment","visible_at") WHERE "notifications"."read_at" IS NULL AND "notifications"."archived_at" IS NULL;--> statement-breakpoint
-- The counts were a materialized view refreshed every few minutes, so a badge could disagree with
-- the list it opens. A plain view over notifications_alerting_idx is exact: one index range per user.
DROP MATERIALIZED VIEW IF EXISTS "mv_notification_counts";
--> statement-breakpoint
CREATE VIEW "notification_counts" AS
SELECT user_id, segment, count(*)::int AS unread
  FROM notifications
 WHERE read_at IS NULL AND archived_at IS NULL AND visible_at <= now()
 GROUP BY user_id, segment;
