import { questionAnswerPrefix } from '@solo-unicorn/shared';

/** The mission prompt: what to do, at which flow stage, as whom, and where to keep the docs. */

export interface PromptMission {
  id: string;
  title: string;
  description: string;
  /** Answers gathered in an earlier clarify stage. */
  clarification?: string | null;
}

export interface PromptDoc {
  /** Relative to the mission's docs folder: `solution.md` or `tasks/{n}.md`. */
  path: string;
  content: string;
}

export interface BuildPromptInput {
  mission: PromptMission;
  /** The current stage of the mission's flow. */
  stage: string;
  /** The flow's stages in order (names, or `{ name }` objects as flows store them). */
  stages: readonly (string | { name: string })[];
  actor?: { name: string; instructions: string } | null;
  projectMemory?: string | null;
  /** The reviewer's feedback on the previous attempt, which was rejected. */
  reviewFeedback?: string | null;
  docs: readonly PromptDoc[];
  /**
   * The earlier attempt whose agent session this run continues did not succeed: how it ended, and
   * the commit the working tree was reset to (what it left uncommitted is gone).
   */
  unfinishedEarlier?: { outcome: string; resetTo: string } | null;
}

export const missionDocsDir = (missionId: string) => `solo-unicorn-docs/missions/${missionId}`;

const stageMeanings: Record<string, string> = {
  clarify:
    'Clarify the mission. Read the code it concerns, find what is ambiguous or missing, and record your questions, '
    + 'the answers you can infer, and your assumptions in solution.md. Do not change the code in this stage.',
  plan:
    'Plan the mission. Write the approach in solution.md and split the work into small, ordered tasks, one file per '
    + 'task in tasks/{n}.md (1.md, 2.md, …) with what to change and how to verify it. Do not implement yet.',
  execute:
    'Execute the mission. Implement it following solution.md and the tasks (write them first if there are none), '
    + 'run the relevant tests, and mark each task done in its file as you finish it.',
};

export function buildPrompt(input: BuildPromptInput): string {
  const { mission, stage, actor, projectMemory, reviewFeedback, docs, unfinishedEarlier } = input;
  const stages = input.stages.map((s) => (typeof s === 'string' ? s : s.name));
  const dir = missionDocsDir(mission.id);
  const parts: string[] = [];

  parts.push(`# Mission: ${mission.title}\n\nMission id: ${mission.id}\n\n${mission.description.trim() || '(no description)'}`);
  if (mission.clarification?.trim()) parts.push(`## Clarification\n\n${mission.clarification.trim()}`);

  const flow = stages.length ? stages.map((s) => (s === stage ? `**${s}** (current)` : s)).join(' → ') : `**${stage}** (current)`;
  const meaning = stageMeanings[stage]
    ?? `Carry out the "${stage}" stage of this mission's flow, as its name and the instructions below describe.`;
  parts.push(`## Current stage: ${stage}\n\nFlow: ${flow}\n\n${meaning}`);

  if (actor) parts.push(`## Your role: ${actor.name}\n\n${actor.instructions.trim()}`);
  if (projectMemory?.trim()) parts.push(`## Project memory\n\n${projectMemory.trim()}`);
  if (reviewFeedback?.startsWith(questionAnswerPrefix)) {
    // Not a rejection: a person answered the question the agent asked (mission_ask).
    parts.push(`## The answer to your question\n\n<answer>\n${reviewFeedback.trim()}\n</answer>\n\nContinue the mission with this answer.`);
  } else if (reviewFeedback?.trim()) {
    parts.push(
      '## REVIEW FEEDBACK — the previous attempt was rejected\n\n'
      + 'A reviewer rejected the previous attempt at this mission. Address every point below in this attempt:\n\n'
      + `<review-feedback>\n${reviewFeedback.trim()}\n</review-feedback>`,
    );
  }

  if (unfinishedEarlier) {
    // Worded for both cases: the CLI may have lost the session and started fresh after all.
    parts.push(
      '## Your earlier attempt did not finish\n\n'
      + `If you remember working on this mission before: that attempt ended ${unfinishedEarlier.outcome.replaceAll('_', ' ')}, and what it left uncommitted is gone. `
      + `The working tree was reset to the mission branch as last committed (commit ${unfinishedEarlier.resetTo.slice(0, 12)}), which keeps any commit it made; `
      + 'the mission docs below were restored. '
      + 'Read the files as they are now before relying on what you remember of them.',
    );
  }

  const sorted = [...docs].sort((a, b) => docOrder(a.path) - docOrder(b.path) || a.path.localeCompare(b.path));
  parts.push(sorted.length
    ? `## Existing mission docs\n\nEarlier sessions left these docs (they are also in your working tree):\n\n${sorted.map((d) => `### ${dir}/${d.path}\n\n${fence(d.content)}`).join('\n\n')}`
    : '## Existing mission docs\n\nNone yet: this is the first session of this mission.');

  parts.push(
    '## Mission docs: keep them updated\n\n'
    + `Keep the mission's docs current in your working tree as you go; they carry the work across sessions and workstations:\n`
    + `- \`${dir}/solution.md\`: the problem, the chosen approach, decisions and open questions.\n`
    + `- \`${dir}/tasks/{n}.md\` (n = 1, 2, …): one task per file, with its status.\n`
    + 'Update them before you finish. Do not switch branches or push: your changes on this branch are committed and pushed for you.',
  );
  return `${parts.join('\n\n')}\n`;
}

/** solution.md first, then tasks by number. */
function docOrder(path: string): number {
  if (path === 'solution.md') return -1;
  const n = /^tasks\/(\d+)\.md$/.exec(path)?.[1];
  return n === undefined ? Number.MAX_SAFE_INTEGER : Number(n);
}

/** A fence longer than any backtick run in the content, so docs holding code blocks stay intact. */
function fence(content: string): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}markdown\n${content.replace(/\n+$/, '')}\n${f}`;
}
