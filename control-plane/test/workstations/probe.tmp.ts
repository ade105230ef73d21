import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg } from '../helpers/fixtures.ts';
import { connectRaw, hello } from './helpers/ws-client.ts';
const app = await startTestApp(t);
const org = await createOrg(app.admin);
const { body } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'x' });
if (process.env.STEP === '1') await t.rejects(connectRaw(app.baseUrl, 'suw_bad'));
if (process.env.STEP === '2') { const c = await connectRaw(app.baseUrl, body.token); c.send(hello(body.workstation.id)); await c.waitFor((f) => f.type === 'session.welcome'); await c.close(); }
if (process.env.STEP === '3') { const c = await connectRaw(app.baseUrl, app.admin.key!); await c.closed; }
t.teardown(() => console.error('teardown start', Date.now()));
