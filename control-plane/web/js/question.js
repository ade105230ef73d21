import { h } from './dom.js';

/**
 * The agent's question (`mission_ask`, #14): the mission waits in Review with `question` set
 * ({ id, text, askedAt }) until someone answers. The card says so; the panel shows the question
 * with an answer form (POST /missions/:id/answer), which sends the mission back to Todo, ready,
 * with the answer in the agent's next prompt. The board's feed does not carry `question`; the
 * dispatch refresher's full reload of a changed mission does.
 */
export function questionBadges(m) {
  if (!m.question || m.list !== 'review') return [];
  return [h('span', { className: 'badge question', title: m.question.text, dataset: { testid: 'question' } }, 'question')];
}

/** `act(button, action)` is the panel's: disables the button, shows errors, takes in the mission. */
export function questionSection(m, { api, act }) {
  if (!m.question || m.list !== 'review') return h('div', { hidden: true });
  const answer = h('textarea', { id: 'question-answer', rows: 3, required: true, maxlength: 8000 });
  return h('section', { className: 'question', 'aria-labelledby': 'question-title', dataset: { testid: 'question-section' } },
    h('h3', { id: 'question-title' }, 'The agent asks'),
    h('blockquote', { className: 'question-text' }, m.question.text),
    h('form', {
      onsubmit: (e) => {
        e.preventDefault();
        const text = answer.value.trim();
        if (!text) return answer.focus();
        // The answer names the mission, not the mission itself: reload it so the panel moves on.
        act(e.submitter, async () => { await api.answer(m.id, text); return api.mission(m.id); });
      },
    }, h('label', { for: 'question-answer' }, 'Your answer (the agent continues with it)'), answer,
    h('button', { type: 'submit', className: 'primary' }, 'Answer')));
}
