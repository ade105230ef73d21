import { createApi } from './api.js';
import { createAuditView } from './audit-view.js';
import { createBoard } from './board.js';
import { createCardProgress } from './card-progress.js';
import { createCardUsage } from './card-usage.js';
import { createDispatchRefresher } from './dispatch.js';
import { loadProjectOptions, missionFields, projectDefaults } from './mission-fields.js';
import { $, notify } from './dom.js';
import { createInbox } from './inbox.js';
import { createUsageChart } from './usage-chart.js';
import { createFallbackArea } from './fallback.js';
import { createPanel } from './panel.js';
import { createPublicViews } from './public-views.js';
import { POLICY_CHOICES } from './policy.js';
import { createRealtime } from './realtime.js';
import { createSettings } from './settings.js';
import { COLUMN_CARDS, LISTS, createStore, fromSummary } from './store.js';
import { createWorkstations } from './workstations.js';
import { createRealtimeMux } from './realtime-mux.js';

/** Wires sign-in, the project picker, the board's parts and the realtime channels. */
const KEY_STORAGE = 'solo-unicorn.apiKey';
const PROJECT_STORAGE = 'solo-unicorn.projectId';

// Built once; `api` and `realtime` point at the signed-in session's key (empty when signed out).
const api = {};
let socket;
// The panel and the cards' progress lines may listen to the same mission channel (realtime-mux.js).
const realtime = createRealtimeMux(() => socket);
const store = createStore();
const panel = createPanel({ api, realtime, store });
const usage = createCardUsage({ api, onChange: () => board.renderSoon() });
const progress = createCardProgress({ realtime, onChange: () => board.renderSoon() });
const board = createBoard({ store, api, usage, progress, onOpen: (id, options) => panel.open(id, options), onView: openView });
/** A card's fix button asked for Project settings or the Workstations view (opened, then focused). */
function openView(view) {
  if (view === 'settings') return $('#settings-open').click();
  if ($('#workstations').hidden) $('#workstations-toggle').click();
  // The view's heading takes focus (tabindex -1): a screen reader reads where the user landed.
  $('#workstations-title').focus();
  $('#workstations').scrollIntoView({ block: 'start' });
}
// The header's inbox; a notification about a mission of another project switches to it first.
const inbox = createInbox({ api, realtime, async onOpenMission(missionId, projectId) {
  if (projectId && projectId !== project?.id && projects.some((p) => p.id === projectId)) {
    $('#project-select').value = projectId;
    await showProject(projectId);
  }
  panel.open(missionId);
} });
const usageChart = createUsageChart({ api });
const fallback = createFallbackArea({ api, onMission: (m) => store.upsert(m) });
const workstations = createWorkstations({ api, store });
const publicViews = createPublicViews({ api });
const audit = createAuditView({ api });
let projects = [];
let memberOf = new Set(); // the caller's organizations (all, for the instance admin)
let project;
const dispatch = createDispatchRefresher({ api, store, projectId: () => project?.id });
const settings = createSettings({
  api,
  project: () => project,
  // In place: the board's loads tell "another project was chosen meanwhile" by the object
  // (`project !== shown`), and the dialog refreshes the project as it opens, maybe mid-load.
  onSaved(saved) {
    const known = projects.find((p) => p.id === saved.id);
    if (known) Object.assign(known, saved);
  },
});

function showSignedIn(signedIn) {
  $('#sign-in').hidden = signedIn;
  $('#session-controls').hidden = !signedIn;
  $('#board').hidden = !signedIn;
  $('#board-help').hidden = !signedIn;
  if (!signedIn) {
    $('#workstations').hidden = true;
    $('#workstations-toggle').setAttribute('aria-expanded', 'false');
    $('#empty-projects').hidden = true;
  }
}

function signOut(message) {
  inbox.stop();
  progress.reset();
  realtime.reset();
  socket?.stop();
  socket = undefined;
  project = undefined;
  for (const key of Object.keys(api)) delete api[key];
  localStorage.removeItem(KEY_STORAGE);
  panel.close();
  settings.close();
  audit.reset();
  usage.reset();
  usageChart.reset();
  store.replaceAll([]);
  showSignedIn(false);
  publicViews.refresh();
  const error = $('#sign-in-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  $('#api-key').value = '';
  $('#api-key').focus();
}

async function signIn(key) {
  const candidate = createApi(key, { onUnauthorized: () => signOut('Your API key was refused (revoked or wrong). Sign in again.') });
  // The projects also prove the key works; the organizations tell a project of the caller's own
  // organization from one they collaborate on from outside (nothing else of its organization to show).
  const [found, organizations] = await Promise.all([candidate.projects(), candidate.all('/organizations')]);
  projects = found;
  memberOf = new Set(organizations.map((o) => o.id));
  localStorage.setItem(KEY_STORAGE, key);
  Object.assign(api, candidate);
  publicViews.refresh();
  socket = createRealtime({ key, onStatus: (state) => {
    const el = $('#live-status');
    el.dataset.state = state;
    el.textContent = state;
  } });
  socket.start();
  showSignedIn(true);
  inbox.start();

  const select = $('#project-select');
  select.replaceChildren(...projects.map((p) => new Option(p.name, p.id)));
  $('#empty-projects').hidden = projects.length > 0;
  $('#board').hidden = projects.length === 0;
  $('#settings-open').hidden = projects.length === 0;
  if (!projects.length) return;
  const remembered = localStorage.getItem(PROJECT_STORAGE);
  select.value = projects.some((p) => p.id === remembered) ? remembered : projects[0].id;
  await showProject(select.value);
}

/** The rest of a long column, after the board has painted its first page. */
async function loadRest(shown, list, cursor) {
  try {
    const rest = await api.missions(shown.id, list, cursor);
    if (project === shown) store.addRest(list, rest);
  } catch (error) {
    if (project === shown) notify(`Could not load all of ${list}: ${error.message}`);
  }
}

/** Subscribes first, then loads: anything that changes in between arrives on the channel. */
async function showProject(projectId) {
  if (project) for (const c of channelsOf(project)) realtime.unsubscribe(c);
  const shown = projects.find((p) => p.id === projectId);
  project = shown;
  usage.reset(projectId);
  progress.reset();
  store.replaceAll([]);
  // Busy until the columns are filled: screen readers wait, and tests and the paint bench know when.
  $('#board').setAttribute('aria-busy', 'true');
  localStorage.setItem(PROJECT_STORAGE, projectId);
  const [missionsChannel, fallbackChannel, workstationsChannel] = channelsOf(shown);
  let reloadWorkstations;
  let confirmed;
  const subscribed = new Promise((resolve) => { confirmed = resolve; });
  realtime.subscribe(missionsChannel, {
    onSubscribed: () => confirmed(),
    onMessage(frame) {
      store.upsert(fromSummary(frame.data));
      usage.invalidate(frame.data.missionId);
      panel.changed(frame.data.missionId);
      dispatch.mission(frame.data.missionId);
      inbox.nudge();
      clearTimeout(reloadWorkstations);
      reloadWorkstations = setTimeout(() => workstations.reload(), 300);
    },
    onError: (frame) => {
      notify(`Live board updates unavailable: ${frame.message}`);
      confirmed();
    },
  });
  realtime.subscribe(fallbackChannel, { onMessage: () => fallback.reload() });
  if (workstationsChannel) realtime.subscribe(workstationsChannel, { onMessage: () => {
    workstations.reload();
    dispatch.todo(); // a workstation came or went: the Todo cards' reasons change
  } });
  // Load once the feed is live (or, without a socket, after a moment): nothing falls in between.
  await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 3000))]);
  if (project !== shown) return;
  try {
    // The first page of each column paints the board; a long column's rest follows (a 300-card
    // Done column, mostly below the fold, was most of a big board's first paint: bench/board-paint.ts).
    const pages = await Promise.all(LISTS.map((list) => api.missionsPage(projectId, list, COLUMN_CARDS)));
    if (project !== shown) return;
    const longer = LISTS.filter((_, i) => pages[i].nextCursor);
    store.replaceAll(pages.flatMap((p) => p.items), longer);
    for (const list of longer) void loadRest(shown, list, pages[LISTS.indexOf(list)].nextCursor);
  } catch (error) {
    notify(`Could not load the board: ${error.message}`);
  }
  $('#board').setAttribute('aria-busy', 'false'); // the cards render in this task's microtask (store.js)
  fallback.show(projectId);
  usageChart.show(projectId);
  if (memberOf.has(shown.organizationId)) {
    workstations.show(shown.organizationId);
    audit.setOrganization(shown.organizationId);
  } else {
    workstations.outside();
    audit.reset();
  }
}

/** An outside collaborator has no organization channel to hear (its workstations are not theirs to see). */
const channelsOf = (p) => [
  `project:${p.id}:missions`, `project:${p.id}:fallback`,
  ...(memberOf.has(p.organizationId) ? [`organization:${p.organizationId}:workstations`] : []),
];

function setUpCreateDialog() {
  const dialog = $('#create-dialog');
  const form = $('#create-form');
  const error = $('.error', form);
  $('#create-policy').replaceChildren(...POLICY_CHOICES.map(([value, label]) => new Option(label, value)));
  let fields;
  $('#new-mission').addEventListener('click', async () => {
    form.reset();
    error.hidden = true;
    const slot = $('#create-run-fields');
    slot.replaceChildren();
    fields = undefined;
    dialog.showModal();
    $('#create-title-input').focus();
    const forProject = project;
    try {
      const options = await loadProjectOptions(api, forProject.id);
      if (project !== forProject || !dialog.open) return;
      const candidates = [...store.missions.values()].filter((m) => m.list !== 'done');
      fields = missionFields('create', options, projectDefaults(options), candidates);
      slot.replaceChildren(fields.elements);
    } catch (err) {
      error.textContent = `Could not load the project's repositories, flows and actors: ${err.message}`;
      error.hidden = false;
    }
  });
  $('[data-close]', form).addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = {
      title: String(data.get('title')).trim(),
      priority: Number(data.get('priority')),
      ready: data.get('ready') === 'on',
      requiresReview: data.get('requiresReview') === 'on',
    };
    // Unset means the project's policy: the API stores null.
    if (data.get('agentPermissionPolicy')) body.agentPermissionPolicy = data.get('agentPermissionPolicy');
    const description = String(data.get('description') ?? '');
    if (description.trim()) body.description = description;
    // Unset ids stay out of the body: the API's own defaults (none) apply.
    if (fields) for (const [k, v] of Object.entries(fields.read())) if (v !== null) body[k] = v;
    const submit = e.submitter;
    submit.disabled = true;
    try {
      store.upsert(await api.createMission(project.id, body));
      dialog.close();
      $('#new-mission').focus();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
}

function start() {
  setUpCreateDialog();
  $('#sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = e.submitter;
    button.disabled = true;
    try {
      await signIn($('#api-key').value.trim());
    } catch (error) {
      const el = $('#sign-in-error');
      el.textContent = error.status === 401 ? 'That API key was refused.' : `Could not sign in: ${error.message}`;
      el.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  $('#sign-out').addEventListener('click', () => signOut());
  $('#project-select').addEventListener('change', (e) => showProject(e.target.value));

  const saved = localStorage.getItem(KEY_STORAGE);
  if (!saved) {
    showSignedIn(false);
    return publicViews.refresh();
  }
  signIn(saved).catch((error) => {
    if (error.status === 401) return; // onUnauthorized already signed out
    showSignedIn(false);
    publicViews.refresh();
    notify(`Could not sign in: ${error.message}`);
  });
}

start();
