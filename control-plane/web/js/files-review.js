import { h, notify } from './dom.js';

/**
 * Review beside the diff (#16): for a mission in Review, the Files tab gets Approve and "Request
 * changes" with a comment box, and each changed file a comment field. The API takes one feedback
 * text (POST /missions/:id/review {decision:'reject', feedback}), so per-file comments are folded
 * into it as "path: comment" lines after the general comment. The mission is read here (not passed
 * in) so the Files tab stays independent of the panel; the panel refreshes itself from the board's
 * mission channel once the review lands.
 */
export async function attachReview({ api, missionId, root }) {
  let mission;
  try {
    mission = await api.mission(missionId);
  } catch {
    return; // the panel reports a mission it cannot load; nothing to review here.
  }
  if (mission.list !== 'review' || !root.isConnected) return;
  const comments = new Map(); // path → textarea
  for (const details of root.querySelectorAll('details.diff-file')) {
    const path = details.dataset.path;
    const id = `file-comment-${comments.size}`;
    const box = h('textarea', { id, rows: 2, maxlength: 20000, dataset: { path } });
    comments.set(path, box);
    details.parentElement.append(h('div', { className: 'file-comment' }, h('label', { for: id }, `Comment on ${path}`), box));
  }
  const general = h('textarea', { id: 'files-review-comment', rows: 3, maxlength: 100000 });
  const feedback = () => [general.value.trim(), ...[...comments].map(([path, box]) => (box.value.trim() ? `${path}: ${box.value.trim().replace(/\s*\n\s*/g, ' ')}` : null))]
    .filter(Boolean).join('\n');
  const send = async (button, decision) => {
    const text = feedback();
    if (decision === 'reject' && !text) {
      notify('Say what to change: a comment, or one on a file.');
      general.focus();
      return;
    }
    button.disabled = true;
    try {
      await api.review(missionId, decision, decision === 'reject' ? text : undefined);
      bar.replaceChildren(h('p', { role: 'status' }, decision === 'approve' ? 'Approved.' : 'Changes requested: the mission goes back to the agent with your comments.'));
      for (const box of comments.values()) box.parentElement.remove();
    } catch (error) {
      notify(error.message);
    } finally {
      button.disabled = false;
    }
  };
  const bar = h('section', { className: 'review files-review', 'aria-labelledby': 'files-review-title', dataset: { testid: 'files-review' } },
    h('h3', { id: 'files-review-title' }, 'Review these changes'),
    h('label', { for: 'files-review-comment' }, 'Comment for the agent (with any file comments, required to request changes)'), general,
    h('div', { className: 'files-review-actions' },
      h('button', { type: 'button', className: 'primary', onclick: (e) => send(e.currentTarget, 'approve') }, 'Approve'),
      h('button', { type: 'button', className: 'danger', onclick: (e) => send(e.currentTarget, 'reject') }, 'Request changes')));
  root.prepend(bar);
}
