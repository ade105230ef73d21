import t from 'tap';
import { z } from 'zod';
import { AppError } from '../../src/errors.ts';
import { decodeCursor, encodeCursor, toPage } from '../../src/lib/cursor.ts';
import { idCursor } from '../../src/lib/id-cursor.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

t.test('a cursor round-trips and is URL-safe', async (t) => {
  const cursor = encodeCursor({ id: ID });
  t.match(cursor, /^[A-Za-z0-9_-]+$/, 'no +, / or = to escape in a query string');
  t.same(decodeCursor(cursor, idCursor), { id: ID });
  const ordered = z.object({ listOrder: z.number(), id: z.string() });
  t.same(decodeCursor(encodeCursor({ listOrder: 1500.5, id: ID }), ordered), { listOrder: 1500.5, id: ID });
});

t.test('anything this endpoint did not hand out is refused with 400 SU_ERR_CURSOR_INVALID', async (t) => {
  const cases = [
    'garbage!!',
    '',
    Buffer.from('not json').toString('base64url'),
    encodeCursor({ id: 'short' }),
    encodeCursor({ seq: 4 }),
    encodeCursor(null),
  ];
  for (const cursor of cases) {
    let caught: unknown;
    try {
      decodeCursor(cursor, idCursor);
    } catch (error) {
      caught = error;
    }
    t.ok(caught instanceof AppError, JSON.stringify(cursor));
    t.match(caught, { status: 400, code: 'SU_ERR_CURSOR_INVALID', message: /^cursor: / });
  }
});

t.test('toPage returns limit items and a cursor only when more rows exist', async (t) => {
  const rows = [1, 2, 3, 4].map((n) => ({ n }));
  const more = toPage(rows, 3, (r) => r.n * 10, (r) => ({ n: r.n }));
  t.same(more.items, [10, 20, 30]);
  t.same(decodeCursor(more.nextCursor!, z.object({ n: z.number() })), { n: 3 }, 'the cursor points at the last item returned');
  t.same(toPage(rows.slice(0, 3), 3, (r) => r.n, (r) => r), { items: [1, 2, 3], nextCursor: null }, 'exactly limit rows: last page');
  t.same(toPage([], 3, (r) => r, (r) => r), { items: [], nextCursor: null });
});
