CREATE TABLE "realtime_tickets" (
	"ticket_hash" varchar(64) PRIMARY KEY NOT NULL,
	"api_key_id" varchar(26) NOT NULL,
	"user_id" varchar(26) NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "realtime_tickets" ADD CONSTRAINT "realtime_tickets_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "realtime_tickets" ADD CONSTRAINT "realtime_tickets_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "realtime_tickets_expires_idx" ON "realtime_tickets" USING btree ("expires_at");--> statement-breakpoint

-- Roles: a project role exists only for a member of the project's organization. Rows left behind
-- by members removed before offboarding cleaned them up grant nothing any more; drop them.
DELETE FROM "project_members" pm
  WHERE NOT EXISTS (
    SELECT 1 FROM "projects" p
      JOIN "organization_memberships" m ON m.organization_id = p.organization_id AND m.user_id = pm.user_id
      WHERE p.id = pm.project_id
  );
--> statement-breakpoint

-- Revocation is immediate everywhere: every change that can take access away announces itself on
-- 'su_access' (delivered on commit, to every control-plane process), whatever code path made it.
-- The payload names what changed: k = API key, u = user, o = organization, p = project, w = workstation.
CREATE OR REPLACE FUNCTION su_access_changed_api_key() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.revoked_at IS NOT DISTINCT FROM OLD.revoked_at THEN RETURN NULL; END IF;
  PERFORM pg_notify('su_access', json_build_object('k', OLD.id, 'u', OLD.user_id)::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER "api_keys_access_changed" AFTER UPDATE OF "revoked_at" OR DELETE ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION su_access_changed_api_key();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION su_access_changed_user() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('su_access', json_build_object('u', OLD.id)::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER "users_access_changed" AFTER UPDATE OF "deleted_at", "is_instance_admin" OR DELETE ON "users"
  FOR EACH ROW EXECUTE FUNCTION su_access_changed_user();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION su_access_changed_membership() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('su_access', json_build_object('u', OLD.user_id, 'o', OLD.organization_id)::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER "organization_memberships_access_changed" AFTER UPDATE OF "role" OR DELETE ON "organization_memberships"
  FOR EACH ROW EXECUTE FUNCTION su_access_changed_membership();
--> statement-breakpoint
-- A new project row can lower a member's access too (a viewer override), so inserts count.
CREATE OR REPLACE FUNCTION su_access_changed_project_member() RETURNS trigger AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  PERFORM pg_notify('su_access', json_build_object('u', r.user_id, 'p', r.project_id)::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER "project_members_access_changed" AFTER INSERT OR UPDATE OR DELETE ON "project_members"
  FOR EACH ROW EXECUTE FUNCTION su_access_changed_project_member();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION su_access_changed_project() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.visibility IS NOT DISTINCT FROM OLD.visibility AND NEW.organization_id IS NOT DISTINCT FROM OLD.organization_id THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('su_access', json_build_object('p', OLD.id)::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER "projects_access_changed" AFTER UPDATE OF "visibility", "organization_id" OR DELETE ON "projects"
  FOR EACH ROW EXECUTE FUNCTION su_access_changed_project();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION su_access_changed_workstation() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.revoked_at IS NOT DISTINCT FROM OLD.revoked_at AND NEW.token_hash IS NOT DISTINCT FROM OLD.token_hash THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('su_access', json_build_object('w', OLD.id)::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER "workstations_access_changed" AFTER UPDATE OF "revoked_at", "token_hash" OR DELETE ON "workstations"
  FOR EACH ROW EXECUTE FUNCTION su_access_changed_workstation();
