-- The scheduler stamps last_checked_at on every due config each tick. Free space in each page
-- lets PostgreSQL update those rows in place (HOT: no new index entries), which keeps a tick over
-- 10,000 projects well inside its budget. Applies to pages as they are rewritten or vacuumed.
ALTER TABLE "mission_fallback_configs" SET (fillfactor = 70);
