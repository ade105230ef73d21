import type { GithubIntegration, PutGithubIntegrationBody } from '@solo-unicorn/shared';
import { createHash } from 'node:crypto';
import type { Db } from '../../db/types.ts';
import { type GitHubClient, createGitHubClient } from '../../github/client.ts';
import { AppError } from '../../errors.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import { iso, type Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createGithubIntegrationsRepository, type IntegrationRow, type IntegrationScope } from './github-integrations.repository.ts';

/** A project's GitHub connection in clear, for the server's own calls (never returned by the API). */
export interface ResolvedIntegration {
  token: string;
  webhookSecret: string | null;
  apiBaseUrl: string;
  maxFeedbackCycles: number;
  client: GitHubClient;
}

const notConfigured = () => new AppError(404, 'SU_ERR_GITHUB_NOT_CONFIGURED', 'GitHub is not connected here: PUT a token to …/github first');

function present(row: IntegrationRow): GithubIntegration {
  return {
    scope: row.projectId ? 'project' : 'organization',
    organizationId: row.organizationId,
    projectId: row.projectId,
    tokenHint: row.tokenHint,
    webhookSecretSet: row.webhookSecretCiphertext !== null,
    apiBaseUrl: row.apiBaseUrl,
    maxFeedbackCycles: row.maxFeedbackCycles,
    updatedAt: iso(row.updatedAt),
  };
}

export function createGithubIntegrationsService(db: Db, access: AccessService, clock: Clock, opts: { box: SecretBox; defaultApiUrl: string }) {
  const repo = createGithubIntegrationsRepository(db);
  const clients = new Map<string, Promise<GitHubClient>>();

  async function scopeOf(caller: UserPrincipal, target: { projectId: string } | { organizationId: string }, need: 'read' | 'admin'): Promise<IntegrationScope> {
    if ('projectId' in target) {
      const { project } = await access.requireProject(caller, target.projectId, need === 'admin' ? 'admin' : 'read');
      return { organizationId: project.organizationId, projectId: project.id };
    }
    await access.requireOrg(caller, target.organizationId, need === 'admin' ? 'admin' : 'read');
    return { organizationId: target.organizationId, projectId: null };
  }


  return {
    async put(caller: UserPrincipal, target: { projectId: string } | { organizationId: string }, body: PutGithubIntegrationBody) {
      const scope = await scopeOf(caller, target, 'admin');
      const before = await repo.find(scope);
      const row = await repo.upsert(scope, {
        tokenCiphertext: opts.box.seal(body.token),
        tokenHint: `…${body.token.slice(-4)}`,
        // Leaving the secret out keeps the one already set (a token rotation should not drop it).
        webhookSecretCiphertext: body.webhookSecret ? opts.box.seal(body.webhookSecret) : (before?.webhookSecretCiphertext ?? null),
        apiBaseUrl: (body.apiBaseUrl ?? before?.apiBaseUrl ?? opts.defaultApiUrl).replace(/\/+$/, ''),
        maxFeedbackCycles: body.maxFeedbackCycles ?? before?.maxFeedbackCycles ?? 3,
        updatedBy: caller.userId,
      }, clock.now());
      return present(row);
    },

    async get(caller: UserPrincipal, target: { projectId: string } | { organizationId: string }) {
      const scope = await scopeOf(caller, target, 'read');
      const row = scope.projectId ? await repo.effectiveFor(scope.projectId) : await repo.find(scope);
      if (!row) throw notConfigured();
      return present(row);
    },

    async remove(caller: UserPrincipal, target: { projectId: string } | { organizationId: string }) {
      const scope = await scopeOf(caller, target, 'admin');
      if (!(await repo.remove(scope))) throw notConfigured();
    },

    /** The project's connection (its own or its organization's), with a client; undefined if none. */
    async forProject(projectId: string): Promise<ResolvedIntegration | undefined> {
      const row = await repo.effectiveFor(projectId);
      if (!row) return undefined;
      let token: string;
      let webhookSecret: string | null;
      try {
        token = opts.box.open(row.tokenCiphertext);
        webhookSecret = row.webhookSecretCiphertext ? opts.box.open(row.webhookSecretCiphertext) : null;
      } catch {
        // Sealed under another key (a control plane without the shared SU_SECRETS_KEY): unusable
        // here, as if not connected, until an admin stores the token again.
        return undefined;
      }
      // Clients are cached per API root and token (a rotated token gets a new client).
      const key = createHash('sha256').update(row.apiBaseUrl).update('\0').update(token).digest('hex');
      let client = clients.get(key);
      if (!client) {
        client = createGitHubClient({ token, baseUrl: row.apiBaseUrl });
        clients.set(key, client);
      }
      return { token, webhookSecret, apiBaseUrl: row.apiBaseUrl, maxFeedbackCycles: row.maxFeedbackCycles, client: await client };
    },
  };
}
export type GithubIntegrationsService = ReturnType<typeof createGithubIntegrationsService>;
