import { missionDocPathPattern, sanitizeText } from '@solo-unicorn/shared';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readNoFollow, type RelPath, walkDir, writeNoFollow } from './no-follow.ts';

/** Mission docs live in the worktree at `solo-unicorn-docs/missions/{missionId}/`. */
export const missionDocsRelDir = (missionId: string) => join('solo-unicorn-docs', 'missions', missionId);
export const missionDocsDir = (worktree: string, missionId: string) => join(worktree, missionDocsRelDir(missionId));

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

/** The folders from the worktree root down to a mission's docs: each must be a real folder. */
const docsParts = (missionId: string) => ['solo-unicorn-docs', 'missions', missionId];
const docParts = (missionId: string, path: string) => [...docsParts(missionId), ...path.split('/')];

/**
 * Called with the worktree-relative path of each link met where a doc or a folder above it was
 * expected: the daemon never follows a link it did not make, and says so (`docs.symlink_skipped`).
 */
export type OnSymlink = (path: RelPath) => void;

/**
 * Writes docs stored by the control plane into the worktree, before the agent starts. A link at a
 * doc's path is replaced by the doc (never written through); a linked folder on the way refuses
 * that doc. Both are reported to `onSymlink`.
 */
export async function restoreMissionDocs(worktree: string, missionId: string, docs: readonly MissionDoc[], onSymlink: OnSymlink = () => {}): Promise<void> {
  for (const doc of docs) {
    if (!docPathPattern.test(doc.path)) throw new Error(`not a mission doc path: ${JSON.stringify(doc.path)}`);
    const r = await writeNoFollow(worktree, docParts(missionId, doc.path), doc.content);
    if (r.kind === 'symlink') onSymlink(r.path);
    else if (r.replacedLink) onSymlink(r.replacedLink);
  }
}

/** The paths of the mission docs present in the worktree, solution.md first; links are skipped and reported. */
export async function listMissionDocs(worktree: string, missionId: string, onSymlink: OnSymlink = () => {}): Promise<string[]> {
  const dir = await walkDir(worktree, docsParts(missionId));
  if (dir.kind === 'symlink') onSymlink(dir.path);
  if (dir.kind !== 'dir') return [];
  const paths: string[] = [];
  const names = (await readdir(dir.abs, { withFileTypes: true }).catch(() => [])).filter((e) => e.name === 'solution.md' || e.name === 'tasks');
  const rel = (path: string) => [...docsParts(missionId), path].join('/');
  for (const e of names) if (e.isSymbolicLink()) onSymlink(rel(e.name));
  if (names.some((e) => e.name === 'solution.md' && e.isFile())) paths.push('solution.md');
  if (!names.some((e) => e.name === 'tasks' && e.isDirectory())) return paths;
  const tasks = await readdir(join(dir.abs, 'tasks'), { withFileTypes: true }).catch(() => []);
  for (const e of tasks.sort((a, b) => parseInt(a.name, 10) - parseInt(b.name, 10))) {
    const path = `tasks/${e.name}`;
    if (!docPathPattern.test(path)) continue;
    if (e.isSymbolicLink()) onSymlink(rel(path));
    else if (e.isFile()) paths.push(path);
  }
  return paths;
}

export type DocRead = { kind: 'doc'; doc: HashedMissionDoc } | { kind: 'absent' } | { kind: 'symlink'; path: RelPath };

/**
 * One doc as it is on disk now, read without following a link: `symlink` names the link met
 * instead. Its text is made storable (NUL → U+FFFD; invalid UTF-8 already decodes to U+FFFD).
 * Throws when it is too big to send or not a regular file.
 */
export async function readMissionDoc(worktree: string, missionId: string, path: string): Promise<DocRead> {
  const r = await readNoFollow(worktree, docParts(missionId, path), maxDocBytes);
  if (r.kind !== 'file') return r;
  const text = sanitizeText(r.content.toString('utf8'));
  return { kind: 'doc', doc: { path, content: text, contentHash: hashContent(text) } };
}
