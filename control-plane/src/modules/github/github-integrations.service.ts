import type { GithubIntegration, PutGithubIntegrationBody } from '@solo-unicorn/shared';
import { createHash } from 'node:crypto';
import type { Db } from '../../db/types.ts';
import { type GitHubClient, createGitHubClient } from './client.ts';
import { AppError, forbidden } from '../../errors.ts';
import { createOutboundFetch } from '../../lib/outbound-fetch.ts';
import { OutboundUrlRefused, type OutboundPolicy } from '../../lib/outbound-url.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import { iso, type Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import { recordAudit } from '../audit/audit.repository.ts';
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

/** How long a save waits for DNS before leaving the address check to the request itself (ms). */
const SAVE_LOOKUP_MS = 3_000;

/**
 * `apiBaseUrl` is where the token goes: refused unless the outbound policy allows it — at save
 * time (the URL, then its DNS answers when they come quickly), and again on every request.
 */
async function checkApiUrl(outbound: OutboundPolicy, raw: string): Promise<void> {
  const refuse = (e: OutboundUrlRefused) =>
    new AppError(400, 'SU_ERR_URL_NOT_ALLOWED', `apiBaseUrl ${e.message}`, [{ field: 'body.apiBaseUrl', message: e.message }]);
  let url: URL;
  try {
    url = outbound.check(raw);
  } catch (error) {
    if (error instanceof OutboundUrlRefused) throw refuse(error);
    throw error;
  }
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<void>((resolve) => (timer = setTimeout(resolve, SAVE_LOOKUP_MS)));
  try {
    await Promise.race([outbound.resolve(url), slow]);
  } catch (error) {
    // A name that does not resolve (yet, or from here) is not refused; the request checks again.
    if (error instanceof OutboundUrlRefused) throw refuse(error);
  } finally {
    clearTimeout(timer);
  }
}

export function createGithubIntegrationsService(db: Db, access: AccessService, clock: Clock, opts: { box: SecretBox; defaultApiUrl: string; outbound: OutboundPolicy }) {
  const repo = createGithubIntegrationsRepository(db);
  const clients = new Map<string, Promise<GitHubClient>>();
  const outboundFetch = createOutboundFetch(opts.outbound);

  async function scopeOf(caller: UserPrincipal, target: { projectId: string } | { organizationId: string }, need: 'read' | 'admin'): Promise<IntegrationScope> {
    if ('projectId' in target) {
      const { project } = await access.requireProject(caller, target.projectId, need === 'admin' ? 'admin' : 'read');
      // A public project is readable by everyone signed in; its connection (often the organization's,
      // which GET /organizations/:id/github hides from outsiders) only by the organization.
      if (need === 'read') {
        await access.requireOrg(caller, project.organizationId, 'read').catch((error) => {
          throw error instanceof AppError && error.status === 404 ? forbidden("only members of the project's organization may see its GitHub connection") : error;
        });
      }
      return { organizationId: project.organizationId, projectId: project.id };
    }
    await access.requireOrg(caller, target.organizationId, need === 'admin' ? 'admin' : 'read');
    return { organizationId: target.organizationId, projectId: null };
  }


  return {
    /** A link from GitHub people may follow (http(s) only; http to allow-listed hosts), else undefined. */
    link: (raw: unknown) => opts.outbound.link(raw),

    async put(caller: UserPrincipal, target: { projectId: string } | { organizationId: string }, body: PutGithubIntegrationBody) {
      const scope = await scopeOf(caller, target, 'admin');
      const before = await repo.find(scope);
      const apiBaseUrl = (body.apiBaseUrl ?? before?.apiBaseUrl ?? opts.defaultApiUrl).replace(/\/+$/, '');
      // The operator's default was checked at start-up; anything else a project admin chose.
      if (apiBaseUrl !== opts.defaultApiUrl) await checkApiUrl(opts.outbound, apiBaseUrl);
      // The change and its audit event (scope and host only: never the token, its hint or the secret) commit together.
      const row = await db.transaction(async (tx) => {
        const saved = await createGithubIntegrationsRepository(tx).upsert(scope, {
          tokenCiphertext: opts.box.seal(body.token),
          tokenHint: `…${body.token.slice(-4)}`,
          // Leaving the secret out keeps the one already set (a token rotation should not drop it).
          webhookSecretCiphertext: body.webhookSecret ? opts.box.seal(body.webhookSecret) : (before?.webhookSecretCiphertext ?? null),
          apiBaseUrl,
          maxFeedbackCycles: body.maxFeedbackCycles ?? before?.maxFeedbackCycles ?? 3,
          updatedBy: caller.userId,
        }, clock.now());
        await recordAudit(tx, {
          organizationId: scope.organizationId, actorType: 'user', actorId: caller.userId, action: before ? 'github_connection.updated' : 'github_connection.created',
          targetType: scope.projectId ? 'project' : 'organization', targetId: scope.projectId ?? scope.organizationId,
          data: { scope: scope.projectId ? 'project' : 'organization', projectId: scope.projectId, apiHost: new URL(apiBaseUrl).host, webhookSecretSet: saved.webhookSecretCiphertext !== null },
        });
        return saved;
      });
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
      await db.transaction(async (tx) => {
        if (!(await createGithubIntegrationsRepository(tx).remove(scope))) throw notConfigured();
        await recordAudit(tx, {
          organizationId: scope.organizationId, actorType: 'user', actorId: caller.userId, action: 'github_connection.removed',
          targetType: scope.projectId ? 'project' : 'organization', targetId: scope.projectId ?? scope.organizationId,
          data: { scope: scope.projectId ? 'project' : 'organization', projectId: scope.projectId },
        });
      });
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
        client = createGitHubClient({ token, baseUrl: row.apiBaseUrl, fetch: outboundFetch });
        clients.set(key, client);
      }
      return { token, webhookSecret, apiBaseUrl: row.apiBaseUrl, maxFeedbackCycles: row.maxFeedbackCycles, client: await client };
    },
  };
}
export type GithubIntegrationsService = ReturnType<typeof createGithubIntegrationsService>;
