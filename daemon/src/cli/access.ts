// Access requests: ask for a role on a project; its admins approve or decline.
import { approveAccessRequestBody, createAccessRequestBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { about } from './about.ts';
import { apiContext, commonApiOptions, validBody } from './api-context.ts';
import { CliError, emit, printJson, printList } from './output.ts';
import { allPages, resolveProject } from './resolve.ts';

type Opts = { json?: boolean; quiet?: boolean; url?: string; apiKey?: string; project?: string; role?: string; message?: string; status?: string };

interface Request { id: string; projectId: string; userEmail: string | null; role: string; status: string; message: string | null; createdAt: string; decidedAt: string | null }

const statusWord: Record<string, string> = { pending: 'pending', approved: 'approved', rejected: 'declined' };
const line = (r: Request) =>
  `${r.id}  ${statusWord[r.status] ?? r.status}  ${r.role.padEnd(6)}  ${(r.userEmail ?? 'deleted user').padEnd(28)}  ${r.createdAt.slice(0, 10)}${r.message ? `  “${r.message.split('\n')[0]!.slice(0, 80)}”` : ''}`;
const statuses: Record<string, string> = { pending: 'pending', approved: 'approved', declined: 'rejected', rejected: 'rejected' };

export function accessCommand(program: Command, env: () => Env) {
  const access = program.command('access').description(about.access);

  commonApiOptions(access.command('request').description("ask a project's admins for a role on it (they are notified; some projects approve members at once)"))
    .requiredOption('--project <project>', 'project name or id')
    .option('--role <role>', 'viewer, member or admin', 'member')
    .option('--message <text>', 'a word for the admins (anonymized 30 days after their decision)')
    .option('-q, --quiet', 'print only the id')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const body = validBody(createAccessRequestBody, { role: o.role, ...(o.message ? { message: o.message } : {}) });
      const r = await api<Request>('POST', `/api/v1/projects/${await resolveProject(api, o.project!)}/access-requests`, body);
      emit(o, r, () => (r.status === 'approved' ? `approved at once (this project approves members automatically): you are ${r.role} — ${r.id}` : `asked for ${r.role}; the project's admins are notified — ${r.id}`));
    });

  commonApiOptions(access.command('list').description("a project's requests (its admins), or without --project your own, newest first"))
    .option('--project <project>', 'project name or id')
    .option('--status <status>', 'pending, approved or declined')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const status = o.status ? statuses[o.status] : undefined;
      if (o.status && !status) throw new CliError(`--status: pending, approved or declined, got "${o.status}"`);
      const base = o.project ? `/api/v1/projects/${await resolveProject(api, o.project)}/access-requests` : '/api/v1/access-requests';
      const items = await allPages<Request>(api, status ? `${base}?status=${status}` : base);
      if (o.json) return printJson({ items, nextCursor: null });
      printList(items, line, 'no access requests');
    });

  commonApiOptions(access.command('approve <requestId>').description('grant the role asked for (or --role, a different one) and tell the requester (project admins)'))
    .option('--role <role>', 'grant this role instead: viewer, member or admin')
    .action(async (id: string, o: Opts) => {
      const api = apiContext(env(), o);
      const r = await api<Request>('POST', `/api/v1/access-requests/${id}/approve`, validBody(approveAccessRequestBody, o.role ? { role: o.role } : {}));
      emit(o, r, () => `approved: ${r.userEmail ?? 'the requester'} is now ${r.role}`);
    });

  commonApiOptions(access.command('decline <requestId>').description('decline and tell the requester (project admins)'))
    .action(async (id: string, o: Opts) => {
      const api = apiContext(env(), o);
      const r = await api<Request>('POST', `/api/v1/access-requests/${id}/decline`, {});
      emit(o, r, () => `declined: ${r.userEmail ?? 'the requester'} (${r.role})`);
    });
}
