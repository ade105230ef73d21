import { and, eq, inArray, isNull, ne, or } from 'drizzle-orm';
import { codeAgentSessions, missions } from '../db/schema/index.ts';
import type { Db } from '../db/types.ts';

/**
 * A workstation's live agent runs whose mission a person moved out of Doing (a rejection, a
 * hand-off, a drag) while its daemon was away. The cancel for such a move is sent once, to the
 * session open at that instant; a daemon that was disconnected never heard it, so the session
 * that opens next sends it again. Merge attempts run while the mission waits in Review: not strays.
 */
export async function strayAttemptsOf(db: Db, workstationId: string) {
  return db
    .select({ attemptId: codeAgentSessions.id, list: missions.list })
    .from(codeAgentSessions)
    .innerJoin(missions, eq(missions.id, codeAgentSessions.missionId))
    .where(and(
      eq(codeAgentSessions.workstationId, workstationId),
      inArray(codeAgentSessions.status, ['assigned', 'running']),
      or(isNull(codeAgentSessions.stage), ne(codeAgentSessions.stage, 'merge')),
      ne(missions.list, 'doing'),
    ));
}
