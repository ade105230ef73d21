-- Outside collaborators (#18): a project role for someone outside the project's organization,
-- given only by approving their access request. Rows without the flag still count only for
-- members of the organization.
ALTER TABLE "project_members" ADD COLUMN "outside" boolean DEFAULT false NOT NULL;