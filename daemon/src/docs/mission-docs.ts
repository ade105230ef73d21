import { missionDocPathPattern } from '@solo-unicorn/shared';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Mission docs live in the worktree at `solo-unicorn-docs/missions/{missionId}/`. */
export const missionDocsRelDir = (missionId: string) => join('solo-unicorn-docs', 'missions', missionId);
export const missionDocsDir = (worktree: string, missionId: string) => join(worktree, missionDocsRelDir(missionId));

/** The doc paths the protocol carries, relative to the mission's docs folder. */
/** The shared rule for doc paths (solution.md, tasks/{n}.md). */
export const docPathPattern = missionDocPathPattern;
/** `mission.docs` content limit. */
export const maxDocBytes = 1024 * 1024;

export interface MissionDoc {
  path: string;
  content: string;
}

export interface HashedMissionDoc extends MissionDoc {
  /** `sha256:<hex>`, as `mission.docs` carries it. */
  contentHash: string;
}

export const hashContent = (content: string) => `sha256:${createHash('sha256').update(content, 'utf8').digest('hex')}`;

/** Writes docs stored by the control plane into the worktree, before the agent starts. */
export async function restoreMissionDocs(worktree: string, missionId: string, docs: readonly MissionDoc[]): Promise<void> {
  const dir = missionDocsDir(worktree, missionId);
  for (const doc of docs) {
    if (!docPathPattern.test(doc.path)) throw new Error(`not a mission doc path: ${JSON.stringify(doc.path)}`);
    const file = join(dir, doc.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, doc.content);
  }
}

/** The paths of the mission docs present in the worktree, solution.md first. */
export async function listMissionDocs(worktree: string, missionId: string): Promise<string[]> {
  const dir = missionDocsDir(worktree, missionId);
  const paths: string[] = [];
  if (await isFile(join(dir, 'solution.md'))) paths.push('solution.md');
  const tasks = await readdir(join(dir, 'tasks')).catch(() => [] as string[]);
  for (const name of tasks.sort((a, b) => parseInt(a, 10) - parseInt(b, 10))) {
    const path = `tasks/${name}`;
    if (docPathPattern.test(path) && (await isFile(join(dir, path)))) paths.push(path);
  }
  return paths;
}

/** One doc as it is on disk now; undefined when it is gone. Throws when it is too big to send. */
export async function readMissionDoc(worktree: string, missionId: string, path: string): Promise<HashedMissionDoc | undefined> {
  const file = join(missionDocsDir(worktree, missionId), path);
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return undefined;
    throw error;
  }
  if (content.length > maxDocBytes) throw new Error(`${path} is ${content.length} bytes; mission docs are limited to ${maxDocBytes}`);
  const text = content.toString('utf8');
  return { path, content: text, contentHash: hashContent(text) };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}
