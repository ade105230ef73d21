import { missionDocPathPattern } from '@solo-unicorn/shared';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Hybrid storage of mission docs: agents write `solution.md` and `tasks/{n}.md`; the control plane
 * keeps the latest of each under `{docsRoot}/missions/{missionId}/` and hands them to every later
 * attempt, on any workstation.
 */
export function createMissionDocs(docsRoot: string) {
  const dirOf = (missionId: string) => join(docsRoot, 'missions', missionId);
  return {
    /** Paths as stored on missions (relative to the docs root). */
    solutionPath: (missionId: string) => `missions/${missionId}/solution.md`,
    tasksPath: (missionId: string) => `missions/${missionId}/tasks`,

    async write(missionId: string, path: string, content: string) {
      if (!missionDocPathPattern.test(path)) throw new Error(`not a mission doc path: ${path}`);
      const file = join(dirOf(missionId), path);
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, content);
      await rename(tmp, file);
    },

    /** Every stored doc of the mission, solution first, then tasks in number order. */
    async read(missionId: string): Promise<{ path: string; content: string }[]> {
      const dir = dirOf(missionId);
      const docs: { path: string; content: string }[] = [];
      const solution = await readFile(join(dir, 'solution.md'), 'utf8').catch(() => undefined);
      if (solution !== undefined) docs.push({ path: 'solution.md', content: solution });
      const tasks = await readdir(join(dir, 'tasks')).catch(() => [] as string[]);
      const numbered = tasks.filter((f) => /^[0-9]{1,4}\.md$/.test(f)).sort((a, b) => Number.parseInt(a) - Number.parseInt(b));
      for (const f of numbered) docs.push({ path: `tasks/${f}`, content: await readFile(join(dir, 'tasks', f), 'utf8') });
      return docs;
    },
  };
}
export type MissionDocs = ReturnType<typeof createMissionDocs>;
