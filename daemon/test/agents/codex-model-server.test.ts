// The scripted OpenAI Responses server itself, over real HTTP: what a client reads from the stream,
// what it records, and the failures it plays.
import t from 'tap';
import { conversation, message, reply, shell, startOpenAiServer } from '../helpers/model-server/openai.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real agent CLIs and their parsers');

const post = (url: string, body: unknown) =>
  fetch(`${url}/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify(body) });

/** SSE frames → their JSON payloads. */
const events = (text: string) => text.split('\n\n').filter(Boolean).map((frame) => JSON.parse(frame.split('\n').find((l) => l.startsWith('data: '))!.slice(6)));

const userMsg = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });

t.test('streams a scripted turn as Responses API events and records the request', async (t) => {
  const server = await startOpenAiServer(t, conversation(reply(message('Running it.'), shell('ls')), reply(message('Done.'))));
  const res = await post(server.baseUrl, { model: 'm', stream: true, input: [userMsg('go')], tools: [{ type: 'function', name: 'exec_command' }] });
  t.equal(res.headers.get('content-type'), 'text/event-stream');
  const evs = events(await res.text());
  t.same(evs.map((e) => e.type), [
    'response.created',
    'response.output_item.added', 'response.output_text.delta', 'response.output_item.done',
    'response.output_item.added', 'response.function_call_arguments.done', 'response.output_item.done',
    'response.completed',
  ]);
  t.match(evs[6].item, { type: 'function_call', name: 'exec_command', call_id: 'call_0_1' });
  t.same(JSON.parse(evs[6].item.arguments), { cmd: 'ls', yield_time_ms: 10_000 });
  t.match(evs.at(-1).response.usage, { input_tokens: 100, output_tokens: 20, input_tokens_details: { cached_tokens: 0 } });
  t.match(server.requests[0], { index: 0, userTexts: ['go'], toolOutputs: [], tools: ['exec_command'], headers: { authorization: 'Bearer k' } });

  // The tool output moves the conversation to its next turn.
  const next = events(await (await post(server.baseUrl, { input: [userMsg('go'), { type: 'function_call_output', call_id: 'call_0_1', output: 'a.txt' }] })).text());
  t.match(next.find((e) => e.type === 'response.output_item.done').item, { type: 'message', content: [{ text: 'Done.' }] });
  t.same(server.requests[1]!.toolOutputs, [{ callId: 'call_0_1', output: 'a.txt' }]);
});

t.test('plays a usage limit with its reset time, a 401, and a stream cut mid-message', async (t) => {
  const server = await startOpenAiServer(t);
  server.setScript(() => ({ kind: 'fail', status: 429, resetsInSeconds: 90 }));
  const limited = await post(server.baseUrl, { input: [] });
  t.equal(limited.status, 429);
  t.equal(limited.headers.get('retry-after'), '90');
  const body = await limited.json() as any;
  t.match(body.error, { type: 'usage_limit_reached', resets_in_seconds: 90 });
  t.ok(Math.abs(body.error.resets_at - (Date.now() / 1000 + 90)) < 5, 'resets_at is 90 s from now');

  server.setScript(() => ({ kind: 'fail', status: 401 }));
  const denied = await post(server.baseUrl, { input: [] });
  t.equal(denied.status, 401);
  t.match(await denied.json(), { error: { type: 'invalid_api_key' } });

  server.setScript(() => ({ kind: 'cut', partialText: 'half a sent' }));
  const cut = await post(server.baseUrl, { input: [] });
  t.equal(cut.status, 200);
  await t.rejects(cut.text(), 'the body ends in a network error, not a completed response');
  t.equal(server.requests.length, 3);
});

t.test('anything but POST /v1/responses is a 404, a body that is not JSON a 400', async (t) => {
  const server = await startOpenAiServer(t);
  t.equal((await fetch(`${server.baseUrl}/models`)).status, 404);
  t.equal((await fetch(`${server.baseUrl}/responses`, { method: 'POST', body: '{' })).status, 400);
  t.equal(server.requests.length, 0);
});
