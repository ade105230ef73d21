import { resolve } from 'node:path';
import { z } from 'zod';
import { createOutboundPolicy, isAllowEntry, OutboundUrlRefused } from './lib/outbound-url.ts';
import { parseSecretsKey } from './lib/secret-box.ts';
import { parseTierLimits, type TierLimits } from './modules/rate-limits/tiers.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(7878),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  SU_DATA_DIR: z.string().min(1).default('./.solo-unicorn'),
  SU_DOCS_DIR: z.string().min(1).optional(),
  SU_BOOTSTRAP_API_KEY: z.string().min(20, 'must be at least 20 characters').max(200).optional(),
  SU_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  SU_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  SU_FALLBACK_ENABLED: bool.default(true),
  SU_FALLBACK_TICK_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  SU_METRICS_REFRESH_MS: z.coerce.number().int().min(1000).max(86_400_000).default(300_000),
  SU_RETENTION_INTERVAL_MS: z.coerce.number().int().min(0).max(604_800_000).default(3_600_000),
  SU_DIGEST_INTERVAL_MS: z.coerce.number().int().min(0).max(604_800_000).default(3_600_000),
  SU_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(15_000), // = DEFAULT_HEARTBEAT_INTERVAL_MS
  SU_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  SU_DISPATCH_TICK_MS: z.coerce.number().int().min(50).max(600_000).default(2_000),
  SU_OFFLINE_GRACE_MS: z.coerce.number().int().min(0).max(86_400_000).default(180_000),
  SU_RATE_LIMITS: z.string().max(200).default('')
    .refine((v) => parseTierLimits(v) !== undefined, 'must be a comma-separated list of tier=requests (anonymous, user, contributor, admin; a number or none)'),
  SU_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(3_600_000),
  SU_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  SU_SECRETS_KEY: z.string().refine((v) => parseSecretsKey(v) !== undefined, 'must be 32 bytes: 64 hex characters or base64').optional(),
  SU_GITHUB_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://api.github.com'),
  SU_GITHUB_POLL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  SU_OUTBOUND_ALLOW: z.string().max(4000).default('')
    .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((list) => list.every(isAllowEntry), 'must be a comma-separated list of IP addresses, CIDR ranges and hostnames'),
});

export interface Config {
  host: string;
  port: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  databaseUrl?: string;
  dataDir: string;
  pgliteDir: string;
  docsDir: string;
  bootstrapApiKey?: string;
  bodyLimitBytes: number;
  dbPoolSize: number;
  fallbackEnabled: boolean;
  /** How often the fallback scheduler looks for due projects (ms). */
  fallbackTickMs: number;
  /** How often the metrics views are refreshed (ms). */
  metricsRefreshMs: number;
  /** How often the retention jobs run (ms; default hourly); 0 turns them off. */
  retentionIntervalMs: number;
  /** How often the weekly-digest job looks for weeks to assemble (ms; default hourly); 0 turns it off. */
  digestIntervalMs: number;
  /** Requests per caller per window, by tier (SU_RATE_LIMITS), and the window (SU_RATE_LIMIT_WINDOW_MS). */
  rateLimits: { limits: TierLimits; windowMs: number };
  /** Daemon heartbeat and ws ping period (ms). */
  heartbeatIntervalMs: number;
  /** Attempts a mission gets for transient failures before it goes back to Todo not ready. */
  maxAttempts: number;
  /** Dispatcher safety-net period (ms); it also wakes on every board change. */
  dispatchTickMs: number;
  /** How long a disconnected workstation's running missions wait before reassignment (ms). */
  offlineGraceMs: number;
  /**
   * On SIGTERM, how long /readyz says 503 before the server stops accepting (ms), so a balancer
   * notices first. Default 5 s on PostgreSQL (N instances behind a balancer), 0 on PGlite (one).
   */
  drainDelayMs: number;
  /** Key for the secrets we store encrypted (GitHub tokens): SU_SECRETS_KEY, else a file in dataDir. */
  secretsKey?: Buffer;
  secretsKeyFile: string;
  /** Default GitHub REST API root for integrations that do not name their own (GitHub Enterprise). */
  githubApiUrl: string;
  /** How often open pull requests are polled for reviews, comments and merges (ms); 0 = webhooks only. */
  githubPollMs: number;
  /** Private or http hosts (addresses, CIDR ranges, names) outbound requests may reach anyway. */
  outboundAllow: string[];
}

export class ConfigError extends Error {}

/** Parses the environment once; main.ts passes the result down. Nothing else reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An exported-but-empty variable (DATABASE_URL=) means "not set", as in most tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const githubApiUrl = e.SU_GITHUB_API_URL.replace(/\/+$/, '');
  try {
    createOutboundPolicy(e.SU_OUTBOUND_ALLOW).check(githubApiUrl);
  } catch (error) {
    if (error instanceof OutboundUrlRefused) throw new ConfigError(`invalid configuration: SU_GITHUB_API_URL ${error.message}`);
    throw error;
  }
  // `npm start` runs in control-plane/; relative paths mean the directory the user started from.
  const base = env.INIT_CWD ?? process.cwd();
  const dataDir = resolve(base, e.SU_DATA_DIR);
  return {
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    pgliteDir: resolve(dataDir, 'pglite'),
    docsDir: e.SU_DOCS_DIR ? resolve(base, e.SU_DOCS_DIR) : resolve(dataDir, 'solo-unicorn-docs'),
    bootstrapApiKey: e.SU_BOOTSTRAP_API_KEY,
    bodyLimitBytes: e.SU_BODY_LIMIT_BYTES,
    dbPoolSize: e.SU_DB_POOL_SIZE,
    fallbackEnabled: e.SU_FALLBACK_ENABLED,
    fallbackTickMs: e.SU_FALLBACK_TICK_MS,
    metricsRefreshMs: e.SU_METRICS_REFRESH_MS,
    retentionIntervalMs: e.SU_RETENTION_INTERVAL_MS,
    digestIntervalMs: e.SU_DIGEST_INTERVAL_MS,
    rateLimits: { limits: parseTierLimits(e.SU_RATE_LIMITS)!, windowMs: e.SU_RATE_LIMIT_WINDOW_MS },
    heartbeatIntervalMs: e.SU_HEARTBEAT_INTERVAL_MS,
    offlineGraceMs: e.SU_OFFLINE_GRACE_MS,
    drainDelayMs: e.SU_DRAIN_DELAY_MS ?? (e.DATABASE_URL ? 5_000 : 0),
    maxAttempts: e.SU_MAX_ATTEMPTS,
    dispatchTickMs: e.SU_DISPATCH_TICK_MS,
    secretsKey: e.SU_SECRETS_KEY ? parseSecretsKey(e.SU_SECRETS_KEY) : undefined,
    secretsKeyFile: resolve(dataDir, 'secrets.key'),
    githubApiUrl,
    githubPollMs: e.SU_GITHUB_POLL_MS,
    outboundAllow: e.SU_OUTBOUND_ALLOW,
  };
}
