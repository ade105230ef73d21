// When a usage limit resets, as each CLI words it (the strings are what the pinned CLIs printed
// against the scripted model servers, plus the other forms they are known to use).
import t from 'tap';
import { parseResetTime } from '../../src/agents/reset-time.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const now = new Date(2026, 11, 5, 13, 0, 0); // local time, as the CLIs print it

t.test('Claude Code passes the API’s "usage limit reached|<epoch>" through', async (t) => {
  t.equal(parseResetTime('API Error: Request rejected (429) · Claude AI usage limit reached|1796478717', now)?.toISOString(), new Date(1796478717 * 1000).toISOString());
  t.equal(parseResetTime('{"resets_at": 1796478717}', now)?.getTime(), 1796478717 * 1000, 'a resets_at field');
});

t.test('Codex names a local wall-clock time: the next one, or the date it gives', async (t) => {
  t.same(parseResetTime('You’ve hit your usage limit. Try again at 1:56 PM.', now), new Date(2026, 11, 5, 13, 56));
  t.same(parseResetTime('You’ve hit your usage limit. Try again at 9:05 AM.', now), new Date(2026, 11, 6, 9, 5), 'a time already past today is tomorrow');
  t.same(parseResetTime('You’ve hit your usage limit. Try again at 12:30 AM.', now), new Date(2026, 11, 6, 0, 30), '12 AM is midnight');
  t.same(parseResetTime('You’ve hit your usage limit. Try again at Dec 7th, 2026 2:10 PM.', now), new Date(2026, 11, 7, 14, 10));
  t.same(parseResetTime('5-hour limit reached ∙ resets 3pm', now), new Date(2026, 11, 5, 15, 0), 'Claude’s subscription wording');
});

t.test('ISO times and relative delays', async (t) => {
  t.equal(parseResetTime('limit reached; resets at 2026-12-05T18:00:00Z', now)?.toISOString(), '2026-12-05T18:00:00.000Z');
  t.equal(parseResetTime('rate limited, try again in 20 minutes', now)?.getTime(), now.getTime() + 20 * 60_000);
});

t.test('nothing recognisable: undefined, never a made-up time', async (t) => {
  t.equal(parseResetTime('usage limit reached', now), undefined);
  t.equal(parseResetTime('Try again at 25:00', now), undefined);
  t.equal(parseResetTime('resets at Foo 3rd, 2026 1:00 PM', now), undefined);
});
