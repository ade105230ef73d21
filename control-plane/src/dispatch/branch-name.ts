/**
 * The mission branch: readable (a slug of the title) and collision-free (the mission's ULID), and
 * stable across attempts so a retry continues the same branch.
 */
export function missionBranchName(missionId: string, title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `su/${slug ? `${slug}-` : ''}${missionId.toLowerCase()}`;
}
