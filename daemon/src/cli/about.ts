// What each top-level command is for: shown by `solo-unicorn --help` without loading the command's
// module (and the schemas it validates with), and by the command itself.
export const about = {
  login: 'save the control-plane URL and your API key in $SU_HOME/config.json',
  org: 'organizations: who owns projects and workstations, and their members',
  project: 'projects: a board, its repositories, flows, actors and workstations',
  repo: "a project's git repositories (where agents work)",
  flow: 'flows: the stages a mission goes through (without one: clarify → plan → execute)',
  actor: 'actors: personas an agent plays in a mission (their instructions join its prompt)',
  template: 'Mission Fallback templates: recurring work proposed when the ready backlog is low',
  workstation: 'register this machine, list workstations, map/unmap one to a project, pause/resume it',
  daemon: 'the workstation daemon: `daemon` alone starts it in the background, like `daemon start`',
  status: "show the running daemon's state: connected?, since when, missions running, outbox depth",
  mission: 'create, change, move, review and follow missions',
  fallback: 'Mission Fallback: config, templates, runs and proposals',
  import: 'import a legacy JSON export: loop missions become fallback templates',
  github: 'connect a project or organization to GitHub for pull requests',
  agent: 'the code agents this workstation can run',
  audit: "the audit log: who changed what (an organization's list, a project's timeline)",
  notification: 'your notifications: inbox, unread count, mark read, snooze, preferences (quiet hours, kinds) and the weekly digest',
  access: 'access requests: ask for a role on a project; its admins approve or decline',
  user: 'users: who you are; create and delete users (instance admin)',
  key: 'API keys: create (shown once), list, revoke',
  gallery: 'public projects: search by name, most starred or most recently active first (star one with `project star`)',
} as const;
export type CommandName = keyof typeof about;
