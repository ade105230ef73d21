import { h, timeEl } from './dom.js';
import { formatCount } from './format.js';
import { attachReview } from './files-review.js';
import { highlighter } from './syntax.js';

/** Files whose patch is longer than this start collapsed: the reviewer opens what they want. */
const COLLAPSE_LINES = 400;

/** Why a file has no patch, in the words of the diff summary's limits (shared/src/domain/mission-diff.ts). */
const OMITTED = {
  too_large: 'Not shown: over 1,500 changed lines. Read it on the branch.',
  over_budget: 'Not shown: the diff summary spent its 256 KiB of patches on the files above. Read it on the branch.',
};

/**
 * The Files tab: the mission branch's diff against its target (`GET /missions/:id/diff`), one
 * collapsible unified diff per file with +/− counts and syntax-highlighted lines. Loaded when a
 * `git.diff` event arrives (the daemon sends one after each attempt commits): the panel replays
 * the mission's events from the start, so a mission that has one hears of it at once, and one
 * without asks nothing (the API's "no diff yet" 404 would be a console error on every panel).
 */
export function createFilesTab({ api, missionId, onCount }) {
  const element = h('div', { className: 'files-tab', dataset: { testid: 'files-tab' } }, empty());
  let timer;

  async function load() {
    let diff = null;
    let problem = null;
    try {
      diff = await api.get(`/missions/${missionId}/diff`);
    } catch (error) {
      if (error.status !== 404) problem = error.message;
    }
    const hl = diff ? await highlighter().catch(() => null) : null;
    element.replaceChildren(...(problem ? [h('p', { className: 'error' }, `Could not load the diff: ${problem}`)] : diff ? render(diff, hl).filter(Boolean) : [empty()]));
    onCount?.(diff?.totalFiles ?? 0);
    // A mission in Review gets Approve / Request changes and per-file comments beside its diff.
    if (diff) await attachReview({ api, missionId, root: element });
  }

  /** Bursts of events (a replay) collapse into one reload. */
  function reload() {
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  }

  return {
    element,
    onEvent(frame) {
      if (frame.kind === 'git.diff') reload();
    },
    close: () => clearTimeout(timer),
  };
}

function empty() {
  return h('p', { className: 'muted', dataset: { testid: 'no-diff' } }, 'No diff yet: no attempt of this mission has committed work.');
}

function render(diff, hl) {
  const files = diff.files.map((file) => fileBlock(file, hl));
  return [
    h('p', { className: 'diff-totals', dataset: { testid: 'diff-totals' } },
      `${formatCount(diff.totalFiles)} file${diff.totalFiles === 1 ? '' : 's'} changed`, ' ',
      h('span', { className: 'diff-add' }, `+${formatCount(diff.additions)}`), ' ',
      h('span', { className: 'diff-del' }, `−${formatCount(diff.deletions)}`),
      h('span', { className: 'muted' }, ` · against ${diff.targetBranch} · `), timeEl(diff.at)),
    diff.truncated ? h('p', { className: 'muted' }, `Showing the first ${diff.files.length} of ${formatCount(diff.totalFiles)} files.`) : null,
    h('ul', { className: 'diff-files' }, files),
  ];
}

function fileBlock(file, hl) {
  const all = file.patch ? file.patch.split('\n') : [];
  if (all.at(-1) === '') all.pop();
  // git's file header (`diff --git`, `index`, `---`/`+++`, modes, renames) is said by the summary
  // line: the table starts at the first hunk, or `--- a/x` would show as a deleted line.
  const firstHunk = all.findIndex((l) => l.startsWith('@@'));
  const lines = firstHunk > 0 ? all.slice(firstHunk) : all;
  const large = lines.length > COLLAPSE_LINES;
  const name = file.oldPath ? `${file.oldPath} → ${file.path}` : file.path;
  const counts = file.binary
    ? h('span', { className: 'badge' }, 'binary')
    : h('span', { className: 'diff-counts' },
      h('span', { className: 'diff-add' }, `+${formatCount(file.additions)}`), ' ', h('span', { className: 'diff-del' }, `−${formatCount(file.deletions)}`));
  const body = h('div', { className: 'diff-body' });
  const details = h('details', { className: 'diff-file', open: !large && lines.length > 0, dataset: { path: file.path, testid: 'diff-file' } },
    h('summary', {}, h('code', { className: 'diff-path' }, name), ' ', counts,
      file.omitted ? h('span', { className: 'badge' }, file.omitted === 'too_large' ? 'too large' : 'not included') : null,
      large ? h('span', { className: 'muted' }, ` · ${formatCount(lines.length)} lines, collapsed`) : null),
    body);
  if (file.binary) body.append(h('p', { className: 'muted' }, 'Binary file: not shown.'));
  else if (file.omitted) body.append(h('p', { className: 'muted' }, OMITTED[file.omitted] ?? 'Not shown.'));
  else if (!lines.length) body.append(h('p', { className: 'muted' }, 'No changed lines (a mode change or an empty file).'));
  // A collapsed file is rendered the first time it opens: a big diff costs nothing until asked for.
  else if (details.open) body.append(patchTable(file.path, lines, hl));
  else details.addEventListener('toggle', () => { if (details.open && !body.firstChild) body.append(patchTable(file.path, lines, hl)); });
  // Binary and omitted files list their reason when opened; nothing to expand otherwise.
  return h('li', {}, details);
}

/** A unified diff as rows: old and new line numbers, the sign, the highlighted code. */
function patchTable(path, lines, hl) {
  const lang = hl?.languageOf(path);
  const coloured = lang ? hl.patchLines(lines, lang) : [];
  let oldNo = 0;
  let newNo = 0;
  const rows = lines.map((line, i) => {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldNo = Number(hunk[1]);
      newNo = Number(hunk[2]);
      return h('tr', { className: 'hunk' }, h('td', { className: 'ln', colspan: 2 }), h('td', { className: 'code' }, line));
    }
    const sign = line[0];
    if (sign === '\\') return h('tr', { className: 'note' }, h('td', { className: 'ln', colspan: 2 }), h('td', { className: 'code muted' }, line));
    const kind = sign === '+' ? 'add' : sign === '-' ? 'del' : 'ctx';
    const left = kind === 'add' ? '' : oldNo++;
    const right = kind === 'del' ? '' : newNo++;
    const code = h('td', { className: 'code' }, h('span', { className: 'sign' }, kind === 'add' ? '+' : kind === 'del' ? '−' : ' '));
    code.append(coloured[i] ?? line.slice(1));
    return h('tr', { className: kind, dataset: { kind } }, h('td', { className: 'ln' }, String(left)), h('td', { className: 'ln' }, String(right)), code);
  });
  return h('div', { className: 'diff-scroll', role: 'region', 'aria-label': `Changes in ${path}`, tabindex: '0' },
    h('table', { className: 'diff' }, h('tbody', {}, rows)));
}
