/** What we know about a repository from its URL alone. */
export interface ParsedRepositoryUrl {
  provider: 'github' | 'git';
  githubOwner: string | null;
  githubName: string | null;
}

// GitHub's own limits: owners are 1–39 letters, digits and hyphens; repository names 1–100 of
// letters, digits, `.`, `_` and `-`. Anything else is not a GitHub repository (and would not fit
// the github_owner / github_name columns), so it stays a plain git URL.
const owner = '([A-Za-z0-9][A-Za-z0-9-]{0,38})';
const name = '([A-Za-z0-9._-]{1,100}?)';
const githubPatterns = [
  new RegExp(`^https?://(?:[^@/]+@)?github\\.com/${owner}/${name}(?:\\.git)?/?$`, 'i'),
  new RegExp(`^(?:ssh://)?git@github\\.com[:/]${owner}/${name}(?:\\.git)?/?$`, 'i'),
];

/** Accepts any git URL (https, ssh, scp-like, file://, or an absolute local path); undefined if none. */
export function parseRepositoryUrl(url: string): ParsedRepositoryUrl | undefined {
  const isGitUrl =
    /^(https?|ssh|git|file):\/\/\S+$/i.test(url) || /^[\w.-]+@[\w.-]+:\S+$/.test(url) || /^\/\S*$/.test(url);
  if (!isGitUrl) return undefined;
  for (const pattern of githubPatterns) {
    const match = pattern.exec(url);
    if (match) return { provider: 'github', githubOwner: match[1]!, githubName: match[2]! };
  }
  return { provider: 'git', githubOwner: null, githubName: null };
}
