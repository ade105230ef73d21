import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContextOptions, type Page, chromium } from 'playwright-core';
import type { Test } from 'tap';
import { ADMIN_KEY } from '../../helpers/app.ts';

/**
 * The board in Debian's Chromium (apt-get install -y chromium), driven by playwright-core: one
 * browser per test file, console errors collected from every page it opens, screenshots where CI
 * collects them (`$SU_TEST_ARTIFACTS_DIR/screenshots`; locally test/web/artifacts, gitignored).
 */
export const CHROMIUM = '/usr/bin/chromium';
const screenshots = process.env.SU_TEST_ARTIFACTS_DIR
  ? join(process.env.SU_TEST_ARTIFACTS_DIR, 'screenshots')
  : join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

/** False (and the file fails, saying how to install it) when this machine has no Chromium. */
export function haveChromium(t: Test): boolean {
  if (existsSync(CHROMIUM)) return true;
  t.fail(`${CHROMIUM} is missing: the web board tests need Debian's Chromium (apt-get install -y chromium)`);
  return false;
}

export interface BoardBrowser {
  browser: Browser;
  page: Page;
  /** What any watched page logged as an error (console.error or an uncaught exception), or a URL it opened with a secret in it. */
  consoleErrors: string[];
  /** A new page in the same context (same localStorage: signed in already), watched under `name`. */
  newPage(name: string): Promise<Page>;
  /** A screenshot (full page unless told) under the artifacts folder. */
  shot(name: string, target?: Page, fullPage?: boolean): Promise<Buffer>;
  /** A subtest that also fails on anything a watched page logged as an error meanwhile. */
  step(name: string, fn: (t: Test) => Promise<void>): Promise<unknown>;
  /** Closes the browser (once; also torn down with `t`). */
  close(): Promise<void>;
}

/**
 * What a secret looks like in a URL: an API key (`su_…`) or a workstation token (`suw_…`), as
 * newSecret makes them, or a query parameter that would carry one. The realtime socket's
 * `ticket` is single-use and short-lived by design (POST /realtime/tickets), so it may appear.
 */
const SECRET_IN_URL = /\bsuw?_[A-Za-z0-9_-]{43}|[?&](key|api_?key|token|access_token|authorization)=/i;

/**
 * Launches Chromium with one 1440×900 page. Teardown closes it before the app's own teardown
 * runs (registered later, run later), so no live socket sees the server go away first.
 */
export async function openBoardBrowser(
  t: Test,
  opts: { context?: BrowserContextOptions; timeoutMs?: number } = {},
): Promise<BoardBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await browser.close();
  };
  t.teardown(close);

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...opts.context });
  const consoleErrors: string[] = [];
  // #16: no secret in any URL the board opens. Every address a watched page requests or opens a
  // socket to is checked, and one with a secret counts as an error: every board test already
  // fails on those (each step, or its own check of consoleErrors), so every view is covered.
  const checkUrl = (name: string, url: string) => {
    if (SECRET_IN_URL.test(url) || url.includes(ADMIN_KEY)) consoleErrors.push(`${name}: a secret in a URL it opened: ${url}`);
  };
  const watch = (p: Page, name: string) => {
    p.on('request', (r) => checkUrl(name, r.url()));
    p.on('websocket', (ws) => checkUrl(name, ws.url()));
    p.setDefaultTimeout(opts.timeoutMs ?? 15_000);
    p.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`${name}: ${msg.text()} @ ${msg.location().url}`);
    });
    p.on('pageerror', (error) => consoleErrors.push(`${name} uncaught: ${error.message}`));
    return p;
  };
  const page = watch(await context.newPage(), 'desktop');

  return {
    browser,
    page,
    consoleErrors,
    newPage: async (name) => watch(await context.newPage(), name),
    shot(name, target = page, fullPage = true) {
      mkdirSync(screenshots, { recursive: true });
      return target.screenshot({ path: join(screenshots, name), fullPage });
    },
    step: (name, fn) =>
      t.test(name, async (t) => {
        await fn(t);
        t.same(consoleErrors.splice(0), [], 'no console errors (nor a secret in a URL)');
      }),
    close,
  };
}

/** Signs in with the admin key and waits for the board's live feed. */
export async function signIn(page: Page, baseUrl: string, key = ADMIN_KEY) {
  await page.goto(baseUrl);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#live-status[data-state="live"]').waitFor();
}

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * axe-core's serious and critical violations (as "rule: target") in the part of `page` that
 * `selector` names: what the accessibility bar counts. axe is injected on first use.
 */
export async function axeViolations(page: Page, selector: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axePath });
  return page.evaluate(async (sel) => {
    const result = await (window as any).axe.run(sel, { resultTypes: ['violations'] });
    return result.violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v: any) => v.nodes.map((n: any) => `${v.id}: ${n.target.join(' ')}`));
  }, selector);
}
