/** The agent permission policies (issue #13), as the settings and the mission forms offer them. */
export const POLICIES = [
  ['edits', 'Edits', 'The agent edits files in its worktree and runs the build and test tools; nothing outside it. The default.'],
  ['readonly', 'Read-only', 'The agent reads and thinks but writes only the mission docs: for stages that plan, not build.'],
  ['full', 'Full', 'No permission checks at all; applies only on workstations that opted in (allowFullAgentPermissions), elsewhere it runs as edits.'],
];

/** A mission's choice: '' is "whatever the project says" (null in the API). */
export const POLICY_CHOICES = [['', 'Project default'], ...POLICIES.map(([value, label]) => [value, label])];
