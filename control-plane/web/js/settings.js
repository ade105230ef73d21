import { $, h, notify } from './dom.js';
import { formatCost } from './format.js';
import { POLICIES } from './policy.js';
import { projectTimeline } from './project-timeline.js';

/**
 * Project settings (a dialog from the header): the agents' permission policy, the monthly budget
 * in USD, who may read the project (private / public, and for a public one without a key), where
 * mission docs live and whether access requests of the organization's members are approved at once. Saved with PATCH /projects/:id; only project
 * admins may, the API says so otherwise.
 */
export function createSettings({ api, project, onSaved }) {
  const dialog = $('#settings-dialog');
  const opener = $('#settings-open');

  opener.addEventListener('click', () => open());
  dialog.addEventListener('close', () => opener.focus());

  /**
   * The form shows the project as the API has it now, not as the board loaded it: the budget or the
   * policy may have been changed elsewhere since (another tab, the CLI), and a save sends the
   * fields that differ from what is shown.
   */
  async function open() {
    const cached = project();
    if (!cached) return;
    const p = await api.project(cached.id).catch(() => cached);
    if (project()?.id !== p.id || dialog.open) return; // another project chosen, or a second click, meanwhile
    onSaved(p); // the board's copy is refreshed too
    dialog.replaceChildren(form(p), projectTimeline({ api, projectId: p.id }));
    dialog.showModal();
    if (mayChange(p)) $('input[name="policy"]:checked', dialog)?.focus();
    else $('#settings-readonly', dialog).focus();
    showSpend(p.id);
  }

  /** Only the project's admins may save (the API says whose access this is; absent: let the API decide). */
  const mayChange = (p) => p.viewerAccess === undefined || p.viewerAccess === 'admin' || p.viewerAccess === 'owner';

  function form(p) {
    const current = p.agentPermissionPolicy ?? 'edits';
    const editable = mayChange(p);
    const budget = h('input', {
      id: 'settings-budget', name: 'monthlyBudgetUsd', type: 'number', min: '0', step: '0.01', inputmode: 'decimal',
      placeholder: 'no budget', 'aria-describedby': 'settings-budget-hint settings-spent',
      value: p.monthlyBudgetUsd === null || p.monthlyBudgetUsd === undefined ? '' : String(p.monthlyBudgetUsd),
    });
    const isPublic = h('input', { type: 'checkbox', id: 'settings-public', name: 'public', checked: p.visibility === 'public', 'aria-describedby': 'settings-public-hint' });
    const anonymousRead = h('input', { type: 'checkbox', id: 'settings-anonymous-read', name: 'anonymousRead', checked: Boolean(p.anonymousRead), disabled: p.visibility !== 'public', 'aria-describedby': 'settings-anonymous-read-hint' });
    // Reading without a key is for public projects only: the box follows the Public one.
    isPublic.addEventListener('change', () => {
      anonymousRead.disabled = !isPublic.checked;
      if (!isPublic.checked) anonymousRead.checked = false;
    });
    const docsInRepository = h('input', { type: 'checkbox', id: 'settings-docs-in-repository', name: 'docsInRepository', checked: p.docsInRepository !== false, 'aria-describedby': 'settings-docs-hint' });
    const autoApprove = h('input', { type: 'checkbox', id: 'settings-auto-approve', name: 'autoApprove', checked: Boolean(p.autoApproveAccessRequests), 'aria-describedby': 'settings-auto-approve-hint' });
    const error = h('p', { className: 'error', role: 'alert', hidden: true });
    return h('form', {
      className: 'settings',
      onsubmit: async (e) => {
        e.preventDefault();
        const body = {
          agentPermissionPolicy: new FormData(e.currentTarget).get('policy'),
          monthlyBudgetUsd: budget.value === '' ? null : Number(budget.value),
          visibility: isPublic.checked ? 'public' : 'private',
          anonymousRead: isPublic.checked && anonymousRead.checked,
          autoApproveAccessRequests: autoApprove.checked,
          docsInRepository: docsInRepository.checked,
        };
        const submit = e.submitter;
        submit.disabled = true;
        try {
          onSaved(await api.updateProject(p.id, body));
          dialog.close();
          notify('Project settings saved', 'info');
        } catch (err) {
          error.textContent = err.message;
          error.hidden = false;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', { id: 'settings-title' }, `Settings — ${p.name}`),
    // Read-only for everyone else: the settings are shown, nothing can be changed or saved.
    editable ? null : h('p', { id: 'settings-readonly', className: 'hint', tabIndex: -1, dataset: { testid: 'settings-readonly' } }, 'Only the project’s admins can change these settings.'),
    h('fieldset', { className: 'settings-fields', disabled: !editable },
    h('fieldset', { className: 'policies' },
      h('legend', {}, 'Agent permission policy'),
      POLICIES.map(([value, label, explanation]) => h('div', { className: 'policy' },
        h('input', { type: 'radio', name: 'policy', id: `policy-${value}`, value, checked: value === current, 'aria-describedby': `policy-${value}-hint` }),
        h('label', { for: `policy-${value}` }, label),
        h('p', { id: `policy-${value}-hint`, className: 'hint' }, explanation))),
      h('p', { className: 'hint' }, 'A mission may choose its own in its form.')),
    h('label', { for: 'settings-budget' }, 'Monthly budget (USD)'),
    budget,
    h('p', { id: 'settings-budget-hint', className: 'hint' }, 'Empty means no budget. Once the agents’ reported cost this month reaches it, new missions wait for next month.'),
    h('p', { id: 'settings-spent', className: 'hint', dataset: { testid: 'spent' } }),
    h('div', { className: 'checkbox' }, isPublic, h('label', { for: 'settings-public' }, 'Public project')),
    h('p', { id: 'settings-public-hint', className: 'hint' }, 'Anyone signed in may read its board (Done missions only), their docs and its repositories, and star it; nothing else.'),
    h('div', { className: 'checkbox' }, anonymousRead, h('label', { for: 'settings-anonymous-read' }, 'Readable without an API key')),
    h('p', { id: 'settings-anonymous-read-hint', className: 'hint' }, 'A public project only: people who are not signed in may read the same (the board’s link #/projects/<project id>).'),
    h('div', { className: 'checkbox' }, docsInRepository, h('label', { for: 'settings-docs-in-repository' }, 'Commit mission docs to the repository')),
    h('p', { id: 'settings-docs-hint', className: 'hint' }, 'solution.md and tasks/ go into the product repository with the agent’s work (missions/<id>/). Off: they are kept in Solo Unicorn only.'),
    h('div', { className: 'checkbox' }, autoApprove, h('label', { for: 'settings-auto-approve' }, 'Approve access requests at once')),
    h('p', { id: 'settings-auto-approve-hint', className: 'hint' }, 'A request for viewer or member from a member of the organization is granted without waiting; admin always waits for you.')),
    error,
    h('div', { className: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, editable ? 'Cancel' : 'Close'),
      editable ? h('button', { type: 'submit', className: 'primary' }, 'Save') : null));
  }

  /** This month's spend next to the budget; left out when the control plane cannot say. */
  async function showSpend(projectId) {
    try {
      const { month } = await api.usage(projectId);
      const el = $('#settings-spent', dialog);
      if (!el) return;
      el.textContent = `Spent in ${month.month}: ${formatCost(month.spentUsd)}${month.budgetReached ? ' — budget reached, dispatch is paused' : ''}`;
    } catch {
      // No usage figures: the form works without them.
    }
  }

  return { close: () => dialog.open && dialog.close() };
}
