/** What we know about a repository from its URL alone. */
export interface ParsedRepositoryUrl {
  provider: 'github' | 'git';
  githubOwner: string | null;
  githubName: string | null;
}

const githubPatterns = [
  /^https?:\/\/(?:[^@/]+@)?github\.com\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/i,
  /^(?:ssh:\/\/)?git@github\.com[:/]([^/]+)\/([^/]+?)(?:\.git)?\/?$/i,
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
