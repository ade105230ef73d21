import t from 'tap';
import { formatClockTime, isTimeZone, parseClockTime, quietPeriodEnd } from '../../src/modules/notifications/quiet-hours.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'quiet-hours arithmetic (Intl, no database)');

const night = { startMinute: 22 * 60, endMinute: 7 * 60 };
const end = (at: string, tz: string, q = night) => quietPeriodEnd(new Date(at), q, tz)?.toISOString();

t.test('a night that spans midnight holds until 07:00 local, before and after midnight', async (t) => {
  t.equal(end('2026-12-07T22:30:00Z', 'UTC'), '2026-12-08T07:00:00.000Z', 'after the start: tomorrow morning');
  t.equal(end('2026-12-08T03:00:00Z', 'UTC'), '2026-12-08T07:00:00.000Z', 'after midnight: this morning');
  t.equal(end('2026-12-08T07:00:00Z', 'UTC'), undefined, 'the end minute is outside (the period is [start, end))');
  t.equal(end('2026-12-08T21:59:00Z', 'UTC'), undefined, 'a minute before the start is outside');
  t.equal(end('2026-12-08T22:00:00Z', 'UTC'), '2026-12-09T07:00:00.000Z', 'the start minute is inside');
});

t.test("the recipient's time zone decides, not the server's", async (t) => {
  // 23:30 UTC is 08:30 in Tokyo (outside) and 15:30 in Los Angeles (outside); 13:30 UTC is 22:30 in Tokyo (inside).
  t.equal(end('2026-12-07T23:30:00Z', 'Asia/Tokyo'), undefined);
  t.equal(end('2026-12-07T13:30:00Z', 'Asia/Tokyo'), '2026-12-07T22:00:00.000Z', '07:00 JST on the 8th is 22:00 UTC on the 7th');
  t.equal(end('2026-12-08T06:00:00Z', 'America/Los_Angeles'), '2026-12-08T15:00:00.000Z', '22:00 PST: held until 07:00 PST');
});

t.test('a daytime window (start before end) and a DST night', async (t) => {
  const lunch = { startMinute: 12 * 60, endMinute: 13 * 60 + 30 };
  t.equal(end('2026-12-07T12:10:00Z', 'UTC', lunch), '2026-12-07T13:30:00.000Z');
  t.equal(end('2026-12-07T11:59:00Z', 'UTC', lunch), undefined);
  // Paris springs forward on 2026-03-29 at 02:00 (CET +1 → CEST +2): 07:00 CEST is 05:00 UTC.
  t.equal(end('2026-03-28T22:00:00Z', 'Europe/Paris'), '2026-03-29T05:00:00.000Z', 'the night is an hour shorter in real time');
  // And falls back on 2026-10-25 at 03:00: 07:00 CET is 06:00 UTC.
  t.equal(end('2026-10-24T21:00:00Z', 'Europe/Paris'), '2026-10-25T06:00:00.000Z');
});

t.test('equal start and end is no quiet hours; clock times and zones parse strictly', async (t) => {
  t.equal(end('2026-12-07T03:00:00Z', 'UTC', { startMinute: 60, endMinute: 60 }), undefined);
  t.equal(parseClockTime('07:05'), 425);
  for (const bad of ['7:05', '24:00', '12:60', '12:5', ' 12:00', '12:00 ', '']) t.equal(parseClockTime(bad), undefined, JSON.stringify(bad));
  t.equal(formatClockTime(425), '07:05');
  t.ok(isTimeZone('Europe/Paris'));
  t.notOk(isTimeZone('Mars/Olympus'));
});
