// People and keys from the CLI (#15: everything the README's API does): users (the instance
// admin creates and deletes them), API keys, and members of organizations and projects.
import { about } from './about.ts';
import { addMemberBody, addProjectMemberBody, createApiKeyBody, createUserBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, validBody } from './api-context.ts';
import { emit, printJson, printList } from './output.ts';
import { projectOf, resolveOrg } from './resolve.ts';

type Opts = Record<string, string | boolean | undefined> & { json?: boolean; quiet?: boolean; url?: string; apiKey?: string };
const flagOf = (f: string) => ({ userId: '<userId>', email: '<email>', role: '--role' })[f] ?? `--${f}`;

const userLine = (u: any) => `${u.id}  ${u.email}${u.name ? `  ${u.name}` : ''}${u.isInstanceAdmin ? '  (instance admin)' : ''}`;
const keyLine = (k: any) => `${k.id}  ${k.prefix}…  ${k.name ?? '(no name)'}  created ${k.createdAt}, last used ${k.lastUsedAt ?? 'never'}${k.revokedAt ? `, revoked ${k.revokedAt}` : ''}`;

export function userCommand(program: Command, env: () => Env) {
  const user = program.command('user').description(about.user);

  commonApiOptions(user.command('me').description('who this API key belongs to'))
    .action(async (o: Opts) => {
      const me = await apiContext(env(), o)<any>('GET', '/api/v1/users/me');
      emit(o, me, () => userLine(me));
    });

  commonApiOptions(user.command('create <email>').description('create a user (instance admin); give them a key with `key create --user`'))
    .option('--name <name>', 'their name')
    .option('-q, --quiet', 'print only the id')
    .action(async (email: string, o: Opts) => {
      const body = validBody(createUserBody, { email, ...(o.name ? { name: o.name } : {}) }, flagOf);
      const created = await apiContext(env(), o)<any>('POST', '/api/v1/users', body);
      emit(o, created, () => `created user ${userLine(created)}`);
    });

  commonApiOptions(user.command('delete <userId>').description('delete a user (instance admin): pseudonymized everywhere, keys revoked, memberships removed'))
    .action(async (userId: string, o: Opts) => {
      await apiContext(env(), o)('DELETE', `/api/v1/users/${encodeURIComponent(userId)}`);
      if (o.json) return printJson({ deleted: true, userId });
      process.stdout.write(`deleted user ${userId}: their reviews and audit entries now name a pseudonym\n`);
    });
}

export function keyCommand(program: Command, env: () => Env) {
  const key = program.command('key').description(about.key);

  commonApiOptions(key.command('create').description('create an API key — for you, or (instance admin) for --user; the key is printed once'))
    .option('--name <name>', 'what it is for ("laptop", "CI")')
    .option('--user <userId>', 'whose key (instance admin)')
    .action(async (o: Opts) => {
      const body = validBody(createApiKeyBody, { ...(o.name ? { name: o.name } : {}), ...(o.user ? { userId: o.user } : {}) }, (f) => (f === 'userId' ? '--user' : `--${f}`));
      const created = await apiContext(env(), o)<any>('POST', '/api/v1/api-keys', body);
      if (o.json) return printJson(created);
      process.stdout.write(`${created.key}\ncreated API key ${created.id} (${created.name ?? 'no name'}) for user ${created.userId}: it is shown only this once; the control plane keeps only its hash\n`);
    });

  commonApiOptions(key.command('list').description('your API keys (never the secrets)'))
    .action(async (o: Opts) => {
      const { items } = await apiContext(env(), o)<{ items: any[] }>('GET', '/api/v1/api-keys');
      if (o.json) return printJson({ items });
      printList(items, keyLine, 'no API keys');
    });

  commonApiOptions(key.command('revoke <keyId>').description('revoke an API key: it stops working at once'))
    .action(async (keyId: string, o: Opts) => {
      await apiContext(env(), o)('DELETE', `/api/v1/api-keys/${encodeURIComponent(keyId)}`);
      if (o.json) return printJson({ revoked: true, id: keyId });
      process.stdout.write(`revoked API key ${keyId}\n`);
    });
}

type MemberPath = (o: Opts, ref: string) => Promise<{ api: ReturnType<typeof apiContext>; P: string }>;

/** `… member` under `parent`: the members path of the thing `ref` names, for each subcommand. */
function memberGroup(parent: Command, env: () => Env, description: string, membersPath: (api: ReturnType<typeof apiContext>, ref: string) => Promise<string>) {
  const member = parent.command('member').description(description);
  const path: MemberPath = async (o, ref) => {
    const api = apiContext(env(), o);
    return { api, P: await membersPath(api, ref) };
  };
  return { member, path };
}

/** `member list <ref>`: one line per member (or the JSON page). */
function listMembersCommand(member: Command, arg: string, path: MemberPath, text: { description: string; line: (m: any) => string; none: string }) {
  commonApiOptions(member.command(`list <${arg}>`).description(text.description))
    .action(async (ref: string, o: Opts) => {
      const { api, P } = await path(o, ref);
      const { items } = await api<{ items: any[] }>('GET', P);
      if (o.json) return printJson({ items });
      printList(items, text.line, text.none);
    });
}

/** `member remove <ref> <userId>`. */
function removeMemberCommand(member: Command, arg: string, path: MemberPath, text: { description: string; done: (userId: string) => string }) {
  commonApiOptions(member.command(`remove <${arg}> <userId>`).description(text.description))
    .action(async (ref: string, userId: string, o: Opts) => {
      const { api, P } = await path(o, ref);
      await api('DELETE', `${P}/${encodeURIComponent(userId)}`);
      if (o.json) return printJson({ removed: true, userId });
      process.stdout.write(`${text.done(userId)}\n`);
    });
}

/** `org member …`: owner, admin, member, viewer. */
export function orgMemberCommands(org: Command, env: () => Env) {
  const { member, path } = memberGroup(org, env, "an organization's members and their roles (owners and admins change them)",
    async (api, ref) => `/api/v1/organizations/${await resolveOrg(api, ref)}/members`);

  listMembersCommand(member, 'org', path, { description: 'members with their roles', line: (m) => `${m.userId}  ${m.role.padEnd(6)}  since ${m.createdAt}`, none: 'no members' });

  commonApiOptions(member.command('add <org> <userId>').description('add a user with a role'))
    .requiredOption('--role <role>', 'owner | admin | member | viewer')
    .action(async (ref: string, userId: string, o: Opts) => {
      const { api, P } = await path(o, ref);
      const added = await api<any>('POST', P, validBody(addMemberBody, { userId, role: o.role }, flagOf));
      emit(o, added, () => `added ${added.userId} as ${added.role}`);
    });

  commonApiOptions(member.command('role <org> <userId>').description("change a member's role"))
    .requiredOption('--role <role>', 'owner | admin | member | viewer')
    .action(async (ref: string, userId: string, o: Opts) => {
      const { api, P } = await path(o, ref);
      const changed = await api<any>('PATCH', `${P}/${encodeURIComponent(userId)}`, validBody(addMemberBody.pick({ role: true }), { role: o.role }, flagOf));
      emit(o, changed, () => `${changed.userId} is now ${changed.role}`);
    });

  removeMemberCommand(member, 'org', path, { description: 'remove a member (their project roles go too); yourself: leave', done: (userId) => `removed ${userId}` });
}

/** `project member …`: per-project role overrides for members of the organization, and the outside collaborators. */
export function projectMemberCommands(project: Command, env: () => Env) {
  const { member, path } = memberGroup(project, env, "per-project roles (admin, member, viewer) for the organization's members, and outside collaborators (an approved access request)",
    async (api, ref) => `/api/v1/projects/${await projectOf(api, ref)}/members`);

  listMembersCommand(member, 'project', path, {
    description: 'the per-project roles',
    line: (m) => `${m.userId}  ${m.role.padEnd(6)}${m.outside ? '  outside collaborator' : ''}`,
    none: 'no per-project roles: everyone has their organization role',
  });

  commonApiOptions(member.command('set <project> <userId>').description("give an organization member a role on this project (or move an outside collaborator between viewer and member)"))
    .requiredOption('--role <role>', 'admin | member | viewer')
    .action(async (ref: string, userId: string, o: Opts) => {
      const { api, P } = await path(o, ref);
      const set = await api<any>('POST', P, validBody(addProjectMemberBody, { userId, role: o.role }, flagOf));
      emit(o, set, () => `${set.userId} is ${set.role} on this project`);
    });

  removeMemberCommand(member, 'project', path, {
    description: 'drop the override (their organization role applies again), or an outside collaborator (they lose the project)',
    done: (userId) => `removed the project role of ${userId}`,
  });
}
