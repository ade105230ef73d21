// The scripted Anthropic server is test infrastructure the real-agent lane stands on: it must
// speak the Messages API the way a client accumulates it, and play each failure exactly once.
import t from 'tap';
import { startAnthropicModelServer, text, toolUse } from '../helpers/model-server/anthropic.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const tools = [{ name: 'Write', input_schema: { type: 'object' } }];
const envMessage = { role: 'user', content: [{ type: 'text', text: '# Environment\n - Primary working directory: /tmp/wt-1\n' }] };

/** Posts to /v1/messages and folds the SSE stream back into a message, as an SDK client would. */
async function ask(url: string, body: Record<string, unknown>) {
  const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', max_tokens: 100, stream: true, tools, ...body }) });
  if (!res.headers.get('content-type')?.includes('event-stream')) return { status: res.status, headers: res.headers, json: await res.json() as any };
  const events = (await res.text()).split('\n\n').filter(Boolean).map((chunk) => JSON.parse(chunk.split('\n').find((l) => l.startsWith('data: '))!.slice(6)));
  const content: any[] = [];
  const partial: string[] = [];
  let stop;
  for (const e of events) {
    if (e.type === 'content_block_start') content[e.index] = { ...e.content_block }, partial[e.index] = '';
    if (e.delta?.type === 'text_delta') content[e.index].text += e.delta.text;
    if (e.delta?.type === 'input_json_delta') partial[e.index] += e.delta.partial_json;
    if (e.type === 'content_block_stop' && content[e.index].type === 'tool_use') content[e.index].input = JSON.parse(partial[e.index]!);
    if (e.type === 'message_delta') stop = e.delta.stop_reason;
  }
  return { status: res.status, headers: res.headers, events: events.map((e) => e.type), content, stop };
}

t.test('serves turns by the number of assistant messages, so a retried request gets the same turn', async (t) => {
  const server = await startAnthropicModelServer({ turns: [
    { blocks: ({ cwd }) => [text('writing'), toolUse('Write', { file_path: `${cwd}/a.txt`, content: 'x' })] },
    { blocks: [text('done')] },
  ] });
  t.teardown(() => server.close());
  const first = await ask(server.url, { messages: [envMessage] });
  t.same(first.events, ['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  t.equal(first.stop, 'tool_use');
  t.match(first.content, [{ type: 'text', text: 'writing' }, { type: 'tool_use', name: 'Write', id: /^toolu_/, input: { file_path: '/tmp/wt-1/a.txt', content: 'x' } }], 'the tool input reassembles from its partial JSON');
  t.equal((await ask(server.url, { messages: [envMessage] })).stop, 'tool_use', 'the same request again: the same turn');
  const assistant = { role: 'assistant', content: first.content };
  const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: first.content![1].id, content: 'ok' }] };
  const second = await ask(server.url, { messages: [envMessage, assistant, result] });
  t.match(second, { stop: 'end_turn', content: [{ type: 'text', text: 'done' }] });
  const past = await ask(server.url, { messages: [envMessage, assistant, result, { role: 'assistant', content: 'done' }, { role: 'user', content: 'more?' }] });
  t.equal(past.stop, 'end_turn', 'past the script: a plain end of turn');
  t.same(server.requests.map((r) => [r.served, r.turn, r.cwd]), [['turn', 0, '/tmp/wt-1'], ['turn', 0, '/tmp/wt-1'], ['turn', 1, '/tmp/wt-1'], ['unscripted', 2, '/tmp/wt-1']]);
  const plain = await fetch(`${server.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [envMessage], tools }) }).then((r) => r.json()) as any;
  t.match(plain, { type: 'message', stop_reason: 'tool_use', content: [{ type: 'text' }, { type: 'tool_use', name: 'Write' }] }, 'non-streaming requests get one JSON message');
});

t.test('chores without tools and token counting are answered and recorded apart from the conversation', async (t) => {
  const server = await startAnthropicModelServer({ turns: [{ blocks: [text('real answer')] }] });
  t.teardown(() => server.close());
  t.match(await ask(server.url, { tools: undefined, messages: [{ role: 'user', content: 'quota' }] }), { status: 200, content: [{ text: 'OK' }] });
  const counted = await fetch(`${server.url}/v1/messages/count_tokens`, { method: 'POST', body: JSON.stringify({ messages: [envMessage] }) });
  t.match(await counted.json(), { input_tokens: Number });
  t.equal((await fetch(`${server.url}/v1/models`)).status, 404);
  t.same(server.requests.map((r) => r.served), ['auxiliary', 'count_tokens', 'unknown']);
  t.same(server.conversation(), [], 'no scripted turn was spent');
  t.match(await ask(server.url, { messages: [envMessage] }), { content: [{ text: 'real answer' }] });
});

t.test('plays each failure once, then the turn', async (t) => {
  const resetAt = new Date(Date.now() + 3_600_000);
  const server = await startAnthropicModelServer({ turns: [{
    blocks: [text('finally')],
    failures: [{ status: 429, retryAfterSeconds: 3600, resetAt }, { status: 529 }, { status: 500 }, { status: 401 }, { cut: 'mid-message' }],
  }] });
  t.teardown(() => server.close());
  const limited = await ask(server.url, { messages: [envMessage] });
  t.match(limited, { status: 429, json: { type: 'error', error: { type: 'rate_limit_error', message: /usage limit reached/ } } });
  t.equal(limited.headers.get('retry-after'), '3600');
  t.equal(limited.headers.get('anthropic-ratelimit-unified-reset'), String(Math.floor(resetAt.getTime() / 1000)));
  t.equal(limited.headers.get('anthropic-ratelimit-requests-reset'), resetAt.toISOString());
  t.match(await ask(server.url, { messages: [envMessage] }), { status: 529, json: { error: { type: 'overloaded_error' } } });
  t.match(await ask(server.url, { messages: [envMessage] }), { status: 500, json: { error: { type: 'api_error' } } });
  t.match(await ask(server.url, { messages: [envMessage] }), { status: 401, json: { error: { type: 'authentication_error' } } });
  const cut = await fetch(`${server.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ model: 'm', stream: true, messages: [envMessage], tools }) });
  t.equal(cut.status, 200);
  let received = '';
  const reading = (async () => {
    const reader = cut.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) received += Buffer.from(r.value).toString();
  })();
  await t.rejects(reading, 'the stream ends in an error, not a clean end');
  t.match(received, /text_delta/, 'a delta arrived first');
  t.notMatch(received, /message_stop/);
  t.match(await ask(server.url, { messages: [envMessage] }), { stop: 'end_turn', content: [{ text: 'finally' }] });
  t.same(server.conversation().map((r) => r.served), ['failure', 'failure', 'failure', 'failure', 'failure', 'turn']);
});
