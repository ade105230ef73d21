import { h } from './dom.js';

/**
 * The fields that decide whether and how a mission can run — repository, target branch, flow,
 * actor, PR mode, dependencies — shared by the New-mission dialog and the panel's Edit form.
 * New missions get the project's defaults: its first repository (and that repository's default
 * branch), the flow named "default" (else the first), no actor, PR mode auto.
 */
export async function loadProjectOptions(api, projectId) {
  const [repositories, flows, actors] = await Promise.all([
    api.get(`/projects/${projectId}/repositories`), api.get(`/projects/${projectId}/flows`), api.get(`/projects/${projectId}/actors`),
  ]);
  return { repositories: repositories.items, flows: flows.items, actors: actors.items };
}

export function projectDefaults(options) {
  const repo = options.repositories[0];
  const flow = options.flows.find((f) => f.name === 'default') ?? options.flows[0];
  return { repositoryId: repo?.id ?? null, targetBranch: repo?.defaultBranch ?? 'main', flowId: flow?.id ?? null, actorId: null, prMode: 'auto', dependsOn: [] };
}

const PR_MODES = [['auto', 'auto (a pull request when GitHub is connected)'], ['enabled', 'enabled (always a pull request)'], ['disabled', 'disabled (merge directly)']];

/**
 * Builds the fields for `values` (a mission, or the defaults); `candidates` are the missions it may
 * depend on. `read()` returns them as API fields.
 */
export function missionFields(prefix, options, values, candidates) {
  const id = (name) => `${prefix}-${name}`;
  const select = (name, choices, selected, extra = {}) =>
    h('select', { id: id(name), name, ...extra }, choices.map(([value, label]) => h('option', { value, selected: value === (selected ?? '') }, label)));
  const repository = select('repositoryId', [['', options.repositories.length ? '— none (cannot run) —' : '— the project has no repository —'],
    ...options.repositories.map((r) => [r.id, r.url])], values.repositoryId);
  const targetBranch = h('input', { id: id('targetBranch'), name: 'targetBranch', required: true, maxlength: 120, value: values.targetBranch ?? 'main' });
  // Choosing a repository proposes its default branch, unless the user typed another one.
  let branchTouched = false;
  targetBranch.addEventListener('input', () => { branchTouched = true; });
  repository.addEventListener('change', () => {
    const repo = options.repositories.find((r) => r.id === repository.value);
    if (repo && !branchTouched) targetBranch.value = repo.defaultBranch;
  });
  const flow = select('flowId', [['', '— the default flow —'], ...options.flows.map((f) => [f.id, `${f.name} (${f.stages.map((s) => s.name).join(' → ')})`])], values.flowId);
  const actor = select('actorId', [['', '— none —'], ...options.actors.map((a) => [a.id, a.name])], values.actorId);
  const prMode = select('prMode', PR_MODES, values.prMode ?? 'auto');
  const dependsOn = h('select', { id: id('dependsOn'), name: 'dependsOn', multiple: true, size: Math.min(5, Math.max(2, candidates.length)) },
    candidates.map((m) => h('option', { value: m.id, selected: (values.dependsOn ?? []).includes(m.id) }, `${m.title} (${m.list})`)));
  const field = (label, input, hint) => [h('label', { for: input.id }, label), input, hint ? h('p', { className: 'hint' }, hint) : null];
  return {
    elements: h('fieldset', { className: 'run-fields' }, h('legend', {}, 'How it runs'),
      field('Repository', repository, options.repositories.length ? null : 'Link one first: POST /api/v1/projects/:id/repositories'),
      field('Target branch', targetBranch), field('Flow', flow), field('Actor', actor), field('PR mode', prMode),
      field('Depends on', dependsOn, candidates.length ? 'Ctrl/Cmd-click to choose several' : 'No other missions on the board')),
    read: () => ({
      repositoryId: repository.value || null,
      targetBranch: targetBranch.value.trim(),
      flowId: flow.value || null,
      actorId: actor.value || null,
      prMode: prMode.value,
      dependsOn: [...dependsOn.selectedOptions].map((o) => o.value),
    }),
  };
}
