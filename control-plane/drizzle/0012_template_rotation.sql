ALTER TABLE "mission_fallback_templates" ADD COLUMN "weight" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "mission_fallback_templates" ADD COLUMN "min_wait_minutes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "mission_fallback_templates" ADD COLUMN "cooldown_minutes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "mission_fallback_templates" ADD COLUMN "last_proposed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "mission_fallback_templates" ADD COLUMN "last_discarded_at" timestamp with time zone;