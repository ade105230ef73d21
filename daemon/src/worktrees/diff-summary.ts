import { git, revParse } from './git.ts';

/** What a reviewer sees of one changed file. */
export interface DiffFile {
  path: string;
  /** A rename or copy: where it came from. */
  oldPath?: string;
  /** null for a binary file (git cannot count its lines). */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
  /** The unified diff (3 lines of context), when it fits the limits. */
  patch?: string;
  /** Why there is no patch for a text file: over the per-file limit, or the total was spent. */
  omitted?: 'too_large' | 'over_budget';
}

export interface DiffSummary {
  /** The merge base with the target: what the mission started from, as a reviewer compares. */
  base: string;
  head: string;
  targetBranch: string;
  files: DiffFile[];
  /** All changed files, also those beyond `maxFiles`. */
  totalFiles: number;
  additions: number;
  deletions: number;
  /** Files beyond `maxFiles` are not listed. */
  truncated: boolean;
}

/**
 * The limits keep one summary well inside a mission event (the control plane pages events by
 * 4 MiB and streams them to boards): a file's patch at most `maxPatchLines` changed lines, all
 * patches at most `maxPatchBytes`, at most `maxFiles` files listed.
 */
export const DIFF_LIMITS = { maxFiles: 300, maxPatchLines: 1500, maxPatchBytes: 256 * 1024 };

/**
 * The mission branch's diff against its target, bounded for the board and the CLI. `knownHead` is
 * the commit the caller just made or read (one git process fewer: this runs beside the push,
 * before the attempt's finish is reported).
 */
export async function diffSummary(path: string, targetBranch: string, limits = DIFF_LIMITS, knownHead?: string): Promise<DiffSummary | undefined> {
  const head = knownHead ?? await revParse(path, 'HEAD');
  if (!head) return undefined;
  // Straight from the remote-tracking ref: 128 when the target is not there, 1 with no common history.
  const mergeBase = await git(path, ['merge-base', `refs/remotes/origin/${targetBranch}`, head], { okCodes: [1, 128] });
  if (mergeBase.exitCode !== 0) return undefined;
  const base = mergeBase.stdout.trim();
  const numstat = (await git(path, ['diff', '--numstat', '-z', '-M', '--no-ext-diff', base, head])).stdout;
  const all = parseNumstat(numstat);
  const files = all.slice(0, limits.maxFiles);
  const wanted = choosePatches(files, limits);
  if (wanted.length > 0) {
    const pathspec = wanted.flatMap((f) => (f.oldPath ? [f.oldPath, f.path] : [f.path])).map((p) => `:(literal,top)${p}`);
    const patch = (await git(path, ['diff', '-M', '--no-color', '--no-ext-diff', '--unified=3', base, head, '--', ...pathspec])).stdout;
    attachPatches(wanted, patch, limits.maxPatchBytes);
  }
  return {
    base, head, targetBranch, files,
    totalFiles: all.length,
    additions: all.reduce((n, f) => n + (f.additions ?? 0), 0),
    deletions: all.reduce((n, f) => n + (f.deletions ?? 0), 0),
    truncated: all.length > files.length,
  };
}

/** `git diff --numstat -z`: `add\tdel\tpath\0`, or for a rename `add\tdel\t\0old\0new\0`; `-\t-` is binary. */
export function parseNumstat(out: string): DiffFile[] {
  const parts = out.split('\0');
  const files: DiffFile[] = [];
  for (let i = 0; i < parts.length; i++) {
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(parts[i]!);
    if (!m) continue;
    const binary = m[1] === '-';
    const counts = { additions: binary ? null : Number(m[1]), deletions: binary ? null : Number(m[2]), binary };
    if (m[3]) files.push({ path: m[3], ...counts });
    else {
      files.push({ path: parts[i + 2] ?? '', oldPath: parts[i + 1], ...counts });
      i += 2;
    }
  }
  return files;
}

/** Text files small enough to show, marking the others. */
function choosePatches(files: DiffFile[], limits: typeof DIFF_LIMITS): DiffFile[] {
  const wanted: DiffFile[] = [];
  for (const f of files) {
    if (f.binary) continue;
    if ((f.additions ?? 0) + (f.deletions ?? 0) > limits.maxPatchLines) f.omitted = 'too_large';
    else wanted.push(f);
  }
  return wanted;
}

/**
 * Splits one `git diff` into its files (git prints them in the order numstat listed them) and
 * gives each its patch while the byte budget lasts.
 */
function attachPatches(wanted: DiffFile[], patch: string, budget: number) {
  const chunks = patch.split(/^(?=diff --git )/m).filter((c) => c.startsWith('diff --git '));
  let left = budget;
  wanted.forEach((file, i) => {
    const chunk = chunks[i];
    if (chunk === undefined || !chunk.split('\n', 1)[0]!.includes(file.path)) return; // never a wrong patch on a file
    const bytes = Buffer.byteLength(chunk);
    if (bytes > left) {
      file.omitted = 'over_budget';
      return;
    }
    left -= bytes;
    file.patch = chunk;
  });
}
