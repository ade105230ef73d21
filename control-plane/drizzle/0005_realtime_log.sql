CREATE TABLE "realtime_channels" (
	"channel" varchar(100) PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "realtime_log" (
	"channel" varchar(100) NOT NULL,
	"seq" bigint NOT NULL,
	"type" varchar(64) NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "realtime_log_channel_seq_pk" PRIMARY KEY("channel","seq")
);
