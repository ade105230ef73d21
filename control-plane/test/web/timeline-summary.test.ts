import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the board’s event wording, no database');

// The timeline's one-line summaries (web/js/timeline.js), loaded as the board loads them.
const { summarize } = await import(fileURLToPath(new URL('../../web/js/timeline.js', import.meta.url))) as { summarize(kind: string, data?: unknown): string };

t.test('a resumed session says when the earlier attempt’s uncommitted work is gone', async (t) => {
  t.equal(summarize('agent.session_resumed', { reason: 'review feedback' }), 'resumed the agent session of the earlier attempt (review feedback)');
  t.equal(
    summarize('agent.session_resumed', { reason: 'retry after failed', earlierOutcome: 'failed', workingTreeReset: '0123456789abcdef0123' }),
    'resumed the agent session of the earlier attempt (retry after failed); that attempt ended failed: what it left uncommitted is gone (the tree is at 0123456789ab), and the agent was told',
  );
});
