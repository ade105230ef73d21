// `solo-unicorn mission diff`: the mission branch's changes against its target, as the board's
// Files tab shows them, from `GET /missions/:id/diff` (the daemon's bounded summary; no git here).
import type { MissionDiff } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import { commonApiOptions } from './api-context.ts';
import type { Act } from './mission.ts';
import { CliError, printJson } from './output.ts';

type DiffFile = MissionDiff['files'][number];

export function missionDiffCommand(mission: Command, act: Act) {
  act(commonApiOptions(mission.command('diff <missionId>').description("the mission branch's changes against its target branch (files, counts, patches)"))
    .option('--stat', 'only the changed files with their counts')
    .option('--path <file>', 'only this file')
    .option('--color <when>', 'auto (a terminal without NO_COLOR) | always | never', 'auto'), async (api, id, o) => {
    const diff = await api<MissionDiff>('GET', `/api/v1/missions/${id}/diff`);
    const files = o.path ? diff.files.filter((f) => f.path === o.path || f.oldPath === o.path) : diff.files;
    if (o.path && !files.length) throw new CliError(`--path: ${o.path} did not change (changed: ${diff.files.map((f) => f.path).join(', ') || 'nothing'})`);
    if (o.json) return printJson({ ...diff, files });
    const paint = painter(String(o.color));
    const out = [...header(diff, paint), ...files.map((f) => statLine(f, paint))];
    if (!o.stat) for (const f of files) out.push('', ...patchLines(f, paint));
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

type Paint = (code: string, text: string) => string;

function painter(when: string): Paint {
  if (!['auto', 'always', 'never'].includes(when)) throw new CliError(`--color: auto, always or never, not ${when}`);
  const on = when === 'always' || (when === 'auto' && process.stdout.isTTY === true && !process.env.NO_COLOR);
  return on ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;
}

function header(d: MissionDiff, paint: Paint): string[] {
  const lines = [
    `${d.totalFiles} file${d.totalFiles === 1 ? '' : 's'} changed, ${paint('32', `+${d.additions}`)} ${paint('31', `−${d.deletions}`)} against ${d.targetBranch}` +
      ` (${d.base.slice(0, 9)}..${d.head.slice(0, 9)}, ${d.at})`,
  ];
  if (d.truncated) lines.push(`only the first ${d.files.length} files are listed`);
  return lines;
}

function statLine(f: DiffFile, paint: Paint): string {
  const name = f.oldPath ? `${f.oldPath} → ${f.path}` : f.path;
  if (f.binary) return `  ${name}  (binary)`;
  return `  ${name}  ${paint('32', `+${f.additions ?? 0}`)} ${paint('31', `−${f.deletions ?? 0}`)}`;
}

function patchLines(f: DiffFile, paint: Paint): string[] {
  const title = paint('1', `── ${f.oldPath ? `${f.oldPath} → ${f.path}` : f.path}`);
  if (f.binary) return [title, 'binary file: not shown'];
  if (!f.patch) {
    const why = f.omitted === 'too_large' ? 'over 1,500 changed lines' : f.omitted === 'over_budget' ? 'the 256 KiB of patches were spent on earlier files' : 'no patch sent';
    return [title, `patch not shown: ${why}`];
  }
  const body = f.patch.replace(/\n$/, '').split('\n').map((l) =>
    l.startsWith('@@') ? paint('36', l) : l.startsWith('+') && !l.startsWith('+++') ? paint('32', l) : l.startsWith('-') && !l.startsWith('---') ? paint('31', l) : l);
  return [title, ...body];
}
