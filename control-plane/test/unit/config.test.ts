import { resolve } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const home = '/home/someone/project';

/** The error loadConfig throws for this environment (or undefined if it does not throw). */
function configError(env: NodeJS.ProcessEnv): ConfigError | undefined {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  return undefined;
}

t.test('defaults give a working embedded setup', async (t) => {
  const config = loadConfig({ INIT_CWD: home });
  t.match(config, {
    host: '127.0.0.1', port: 7878, logLevel: 'info', databaseUrl: undefined, bodyLimitBytes: 1024 * 1024, fallbackEnabled: true,
    dataDir: `${home}/.solo-unicorn`, pgliteDir: `${home}/.solo-unicorn/pglite`, docsDir: `${home}/.solo-unicorn/solo-unicorn-docs`,
  });
});

t.test('an invalid PORT is a ConfigError naming PORT', async (t) => {
  for (const PORT of ['abc', '70000', '-1', '80.5']) {
    t.match(configError({ PORT })?.message, /PORT/, PORT);
  }
  t.equal(loadConfig({ PORT: '0' }).port, 0, 'port 0 asks the OS for a free port');
  t.equal(loadConfig({ PORT: '8080' }).port, 8080);
});

t.test('names every invalid variable at once', async (t) => {
  const message = configError({ DATABASE_URL: 'mysql://x', SU_BOOTSTRAP_API_KEY: 'short', LOG_LEVEL: 'loud' })?.message ?? '';
  for (const name of ['DATABASE_URL', 'SU_BOOTSTRAP_API_KEY', 'LOG_LEVEL']) t.match(message, name);
});

t.test('relative SU_DATA_DIR and SU_DOCS_DIR resolve against INIT_CWD, where npm was started', async (t) => {
  const config = loadConfig({ INIT_CWD: home, SU_DATA_DIR: 'data', SU_DOCS_DIR: '../docs' });
  t.equal(config.dataDir, `${home}/data`);
  t.equal(config.pgliteDir, `${home}/data/pglite`);
  t.equal(config.docsDir, '/home/someone/docs');
  t.equal(loadConfig({ INIT_CWD: home, SU_DATA_DIR: '/var/lib/su' }).dataDir, '/var/lib/su', 'absolute paths stay as given');
  t.equal(loadConfig({ SU_DATA_DIR: 'data' }).dataDir, resolve(process.cwd(), 'data'), 'without INIT_CWD, the working directory');
});

t.test('reads the engine, booleans and limits', async (t) => {
  const config = loadConfig({
    DATABASE_URL: 'postgresql://u@db:5432/su', SU_FALLBACK_ENABLED: 'false', SU_BODY_LIMIT_BYTES: '2048', SU_DB_POOL_SIZE: '3',
    SU_BOOTSTRAP_API_KEY: 'k'.repeat(32), UNRELATED: 'ignored',
  });
  t.match(config, { databaseUrl: 'postgresql://u@db:5432/su', fallbackEnabled: false, bodyLimitBytes: 2048, dbPoolSize: 3, bootstrapApiKey: 'k'.repeat(32) });
  t.equal(loadConfig({ SU_FALLBACK_ENABLED: '1' }).fallbackEnabled, true);
  t.match(configError({ SU_FALLBACK_ENABLED: 'yes' })?.message, /SU_FALLBACK_ENABLED/);
  t.match(configError({ SU_BODY_LIMIT_BYTES: '10' })?.message, /SU_BODY_LIMIT_BYTES/);
});
