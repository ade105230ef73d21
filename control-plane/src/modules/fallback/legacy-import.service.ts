import { defaultFlowStages, importLegacyBody, newId } from '@solo-unicorn/shared';
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Db, Tx } from '../../db/types.ts';
import { invalidField } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createFlowsRepository } from '../flows/flows.repository.ts';
import { createRepositoriesRepository } from '../repositories/repositories.repository.ts';
import { createLegacyImportRepository } from './legacy-import.repository.ts';

type ImportInput = z.infer<typeof importLegacyBody>;
type LegacyMission = ImportInput['missions'][number];

const isLoopMission = (m: LegacyMission) => m.is_loop === true;

/**
 * How an import is written. On PGlite a transaction runs on the main thread and holds every other
 * query, /healthz included; so an import is written in batches sized to take about `targetBatchMs`
 * each, with a rest after each one (`restRatio` of its time) in which the server accepts
 * connections and answers whatever waited. Other requests wait for at most one batch.
 */
export const importPacing = { targetBatchMs: 40, firstBatchRows: 25, minBatchRows: 25, maxBatchRows: 500, textChars: 200_000, restRatio: 0.5 };

/** Flow, actor and repository for templates made from loop missions: given, the project's first, or created. */
async function templateDefaults(tx: Tx, projectId: string, defaults: ImportInput['defaults'], at: Date) {
  const flows = createFlowsRepository(tx);
  const flow = defaults.flowId
    ? await flows.findFlow(projectId, defaults.flowId)
    : ((await flows.listFlows(projectId))[0] ?? (await flows.insertFlow({ projectId, name: 'imported', stages: defaultFlowStages, createdAt: at, updatedAt: at })));
  if (!flow) throw invalidField('body.defaults.flowId', 'no such flow in this project');
  const actor = defaults.actorId
    ? await flows.findActor(projectId, defaults.actorId)
    : ((await flows.listActors(projectId))[0] ?? (await flows.insertActor({ projectId, name: 'Imported', createdAt: at, updatedAt: at })));
  if (!actor) throw invalidField('body.defaults.actorId', 'no such actor in this project');
  const repos = createRepositoriesRepository(tx);
  const repository = defaults.repositoryId ? await repos.findInProject(projectId, defaults.repositoryId) : (await repos.list(projectId))[0];
  if (!repository) {
    throw invalidField('body.defaults.repositoryId', defaults.repositoryId ? 'no such repository in this project' : 'the export has loop missions and the project has no repository: link one first or pass defaults.repositoryId');
  }
  return { flowId: flow.id, actorId: actor.id, repositoryId: repository.id };
}

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const base32 = (value: number, chars: number) => {
  let out = '';
  for (let i = 0; i < chars; i++, value = Math.floor(value / 32)) out = crockford[value % 32] + out;
  return out;
};
/**
 * A ULID for the n-th row of an import: the import's own time part, 55 bits of a hash of the
 * import, then n (25 bits). The same import and row always give the same id; rows never collide.
 */
function derivedId(importId: string, kind: 'mission' | 'template', n: number): string {
  const digest = createHash('sha256').update(`${importId}:${kind}`).digest();
  return importId.slice(0, 10) + base32(digest.readUIntBE(0, 6) % 2 ** 55, 11) + base32(n, 5);
}
/** Every row's id at once: one hash per import, not per row (10,000 hashes would hold the event loop). */
const derivedIds = (importId: string, kind: 'mission' | 'template', count: number) => {
  const prefix = derivedId(importId, kind, 0).slice(0, 21);
  return Array.from({ length: count }, (_, n) => prefix + base32(n, 5));
};

const textOf = (m: LegacyMission) => m.title.length + (m.description?.length ?? 0) + (m.acceptance_criteria?.length ?? 0);
const rest = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Writes `items` in consecutive batches paced by `importPacing`; returns the rows `write` reports written. */
async function writePaced<T>(items: T[], textSize: (item: T) => number, write: (batch: T[]) => Promise<number>): Promise<number> {
  const p = importPacing;
  let rows = Math.min(p.firstBatchRows, p.maxBatchRows);
  let written = 0;
  for (let start = 0; start < items.length;) {
    let end = start;
    let chars = 0;
    while (end < items.length && end - start < rows && (end === start || chars + textSize(items[end]!) <= p.textChars)) chars += textSize(items[end++]!);
    const began = performance.now();
    written += await write(items.slice(start, end));
    const took = Math.max(performance.now() - began, 1);
    rows = Math.min(p.maxBatchRows, Math.max(p.minBatchRows, Math.round(((end - start) * p.targetBatchMs) / took)));
    start = end;
    await rest(Math.min(50, Math.max(1, took * p.restRatio)));
  }
  return written;
}

/**
 * Migration from the loop-list product: each loop mission becomes an enabled fallback template
 * (recurring work now comes from Mission Fallback, so none stays on the board); every other
 * mission becomes an `imported` mission, and a `loop` list value becomes `todo`.
 *
 * Everything the input can get wrong is checked before the first row is written (the body by its
 * schema, the defaults in the first transaction). Rows are then written in bounded batches, so a
 * 10,000-mission import does not stall the server, and they appear on the board as they land.
 * Not one transaction, but resumable: the import is identified by its content, and every row's id
 * is derived from the import and the row's position, so sending the same export again after an
 * interruption (a crash, a restart, a lost database) writes only what is missing — and sending it
 * again after it finished writes nothing and answers with the same result.
 */
export function createLegacyImportService(db: Db, access: AccessService, clock: Clock) {
  return {
    async import(caller: UserPrincipal, projectId: string, input: ImportInput) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      const at = clock.now();
      const importKey = createHash('sha256').update(JSON.stringify(input)).digest('base64url');
      const loops = input.missions.filter(isLoopMission);
      const plain = input.missions.filter((m) => !isLoopMission(m));

      // The import's identity and the templates' defaults: validated before anything is written.
      const { importId, defaults, resumed } = await db.transaction(async (tx) => {
        const repo = createLegacyImportRepository(tx);
        await repo.lockImport(projectId, importKey); // a double submit waits here, then resumes this one
        const known = await repo.findImportId(project.organizationId, projectId, importKey);
        const defaults = loops.length > 0 ? await templateDefaults(tx, projectId, input.defaults, at) : undefined;
        const importId = known ?? newId();
        if (!known) {
          await recordAudit(tx, {
            organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'project.import.started', targetType: 'project', targetId: projectId,
            data: { importKey, importId, missions: plain.length, templates: loops.length },
          });
        }
        return { importId, defaults, resumed: known !== undefined };
      });

      const templateIds = derivedIds(importId, 'template', loops.length);
      let written = await writePaced(loops.map((m, n) => ({ m, n })), ({ m }) => textOf(m), async (batch) =>
        (await createLegacyImportRepository(db).insertTemplates(batch.map(({ m, n }) => ({
          id: templateIds[n]!, projectId, ...defaults!, name: m.title.slice(0, 255), description: m.description ?? null,
          priority: m.priority ?? 3, estimatedEffortMinutes: m.estimated_effort_minutes ?? 60,
          acceptanceCriteria: m.acceptance_criteria ?? null, enabled: true, tags: ['imported', 'loop'], createdAt: at, updatedAt: at,
        })))).length);

      const missionIds = derivedIds(importId, 'mission', plain.length);
      written += await writePaced(plain.map((m, n) => ({ m, n })), ({ m }) => textOf(m), (batch) => db.transaction(async (tx) => {
        const repo = createLegacyImportRepository(tx);
        const ends = await repo.endsOfLists(projectId);
        const rows = batch.map(({ m, n }) => {
          const list = m.list === 'loop' ? 'todo' : m.list;
          const listOrder = (ends.get(list) ?? 0) + 1000;
          ends.set(list, listOrder);
          return {
            id: missionIds[n]!, projectId, title: m.title, description: m.description ?? null, priority: m.priority ?? 3, ready: m.ready ?? false,
            list, listOrder, origin: 'imported' as const, createdBy: caller.userId, completedAt: list === 'done' ? at : null, createdAt: at, updatedAt: at,
          };
        });
        const original = new Map(batch.map(({ m, n }) => [missionIds[n], m.list]));
        const event = (row: { id: string }) => ({
          origin: 'system' as const, kind: 'mission.imported', userId: caller.userId, data: { from: 'legacy', originalList: original.get(row.id), importId },
        });
        return (await repo.insertMissionsWithEvent(rows, event, at)).length;
      }));

      if (written > 0 || !resumed) {
        await recordAudit(db, {
          organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'project.imported', targetType: 'project', targetId: projectId,
          data: { importId, missions: missionIds.length, templates: templateIds.length, writtenNow: written, resumed },
        });
      }
      const loopListConverted = plain.filter((m) => m.list === 'loop').length;
      return { missionsCreated: missionIds.length, templatesCreated: templateIds.length, loopListConverted, missionIds, templateIds };
    },
  };
}
export type LegacyImportService = ReturnType<typeof createLegacyImportService>;
