import { about } from './about.ts';
import { createOrganizationBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, validBody } from './api-context.ts';
import { emit, printJson, printList } from './output.ts';
import { orgMemberCommands } from './people.ts';

type Opts = { json?: boolean; quiet?: boolean; url?: string; apiKey?: string };

export function orgCommand(program: Command, env: () => Env) {
  const org = program.command('org').description(about.org);

  commonApiOptions(org.command('list').description('the organizations you belong to, with your role'))
    .action(async (o: Opts) => {
      const { items } = await apiContext(env(), o)<{ items: any[] }>('GET', '/api/v1/organizations');
      if (o.json) return printJson({ items });
      printList(items, (x) => `${x.id}  ${x.role.padEnd(6)}  ${x.name}`, 'no organizations');
    });

  commonApiOptions(org.command('create <name>').description('create an organization; you become its owner'))
    .option('-q, --quiet', 'print only the id')
    .action(async (name: string, o: Opts) => {
      const body = validBody(createOrganizationBody, { name }, () => '<name>');
      const created = await apiContext(env(), o)<any>('POST', '/api/v1/organizations', body);
      emit(o, created, () => `created organization ${created.name} (${created.id})`);
    });

  orgMemberCommands(org, env);
}
