import { newId } from '@solo-unicorn/shared';
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import { githubIntegrations, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type IntegrationRow = typeof githubIntegrations.$inferSelect;
export type IntegrationValues = Pick<IntegrationRow, 'tokenCiphertext' | 'tokenHint' | 'webhookSecretCiphertext' | 'apiBaseUrl' | 'maxFeedbackCycles' | 'updatedBy'>;
export type IntegrationScope = { organizationId: string; projectId: string | null };

export function createGithubIntegrationsRepository(db: Executor) {
  const scopeIs = (s: IntegrationScope) =>
    and(eq(githubIntegrations.organizationId, s.organizationId), s.projectId ? eq(githubIntegrations.projectId, s.projectId) : isNull(githubIntegrations.projectId));

  return {
    async find(scope: IntegrationScope): Promise<IntegrationRow | undefined> {
      const [row] = await db.select().from(githubIntegrations).where(scopeIs(scope));
      return row;
    },

    async upsert(scope: IntegrationScope, values: IntegrationValues, at: Date): Promise<IntegrationRow> {
      const [row] = await db
        .insert(githubIntegrations)
        .values({ id: newId(), ...scope, ...values, createdAt: at, updatedAt: at })
        .onConflictDoUpdate({
          target: scope.projectId ? githubIntegrations.projectId : githubIntegrations.organizationId,
          targetWhere: scope.projectId ? sql`${githubIntegrations.projectId} IS NOT NULL` : sql`${githubIntegrations.projectId} IS NULL`,
          set: { ...values, updatedAt: at },
        })
        .returning();
      return row!;
    },

    async remove(scope: IntegrationScope): Promise<boolean> {
      return (await db.delete(githubIntegrations).where(scopeIs(scope)).returning({ id: githubIntegrations.id })).length > 0;
    },

    /** The connection a project uses: its own, else its organization's. */
    async effectiveFor(projectId: string): Promise<IntegrationRow | undefined> {
      const rows = await db
        .select({ i: githubIntegrations })
        .from(projects)
        .innerJoin(
          githubIntegrations,
          and(eq(githubIntegrations.organizationId, projects.organizationId), or(eq(githubIntegrations.projectId, projects.id), isNull(githubIntegrations.projectId))),
        )
        .where(eq(projects.id, projectId));
      return rows.map((r) => r.i).sort((a, b) => Number(b.projectId !== null) - Number(a.projectId !== null))[0];
    },
  };
}
