/** The part of a conflict-resolution attempt's prompt that says what conflicts and what to do. */
export function conflictSection(c: { targetBranch: string; targetCommit: string; files: readonly string[] }): string {
  return '\n## MERGE CONFLICT — resolve it first\n\n'
    + `This mission's branch could not be merged into \`${c.targetBranch}\`: both changed the same lines. `
    + `\`${c.targetBranch}\` at ${c.targetCommit} has been merged into your branch and the merge is in progress. `
    + 'These files hold conflict markers (`<<<<<<<`, `=======`, `>>>>>>>`):\n\n'
    + c.files.map((f) => `- \`${f}\``).join('\n')
    + '\n\nResolve every conflict so both changes keep working (the mission\'s intent and what '
    + `\`${c.targetBranch}\` changed), remove all markers, and run the relevant tests. Do not redo the mission, `
    + 'do not commit, abort or restart the merge: the merge commit is made for you when you finish.\n';
}
