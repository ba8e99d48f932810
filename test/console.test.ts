import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { createTestDatabase, type TestDatabase, testRedisUrl } from '@flowbridge/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type DemoApi, startDemoApi } from '../tools/demo-api/src/demo-api';
import { CHROMIUM, CHROMIUM_ARGS } from './browser';
import { freePort, migrateServices, newKey, ROOT, ServiceProcess, type ServiceName } from './service-process';

/** Screenshots of each step, kept as the test's artifacts. */
const SHOTS = join(ROOT, 'test-artifacts', 'console');

// The console as deployed: its service (the built pages, and the admin APIs behind /api) in front of the
// connections and flow-definition services as processes, driven in Debian's Chromium through Playwright.
describe('[issue 21] the console in a real browser (Playwright, Chromium)', () => {
  let db: TestDatabase;
  let demo: DemoApi;
  let browser: Browser;
  let page: Page;
  let consoleProcess: ServiceProcess;
  const started: ServiceProcess[] = [];
  const adminKey = `fb_test_${randomBytes(18).toString('base64url')}`;
  const prefix = `fbtest-console-${randomBytes(4).toString('hex')}`;
  const encryptionKey = newKey();
  const env = (): NodeJS.ProcessEnv => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.appUrl,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: testRedisUrl(),
    RPC_NAMESPACE: prefix,
    QUEUE_PREFIX: prefix,
    ADMIN_API_KEY: adminKey,
    ADMIN_WORKSPACE: 'ws-console',
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    ENCRYPTION_KEYS: `k1:${encryptionKey}`,
  });
  const origin = () => consoleProcess.url('');
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  /** Serious or critical accessibility problems on the page as it is now (axe). */
  const accessibilityProblems = async () =>
    (await new AxeBuilder({ page }).analyze()).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/console-web/index.html')))
      throw new Error('dist/ is missing the console: run `npm run build` (npm test does it first)');
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: npm test installs Debian's (apt-get install chromium)`);
    mkdirSync(SHOTS, { recursive: true });
    db = await createTestDatabase('console');
    await migrateServices(db.url, ['connections', 'flow-definition'], db.appUrl);
    demo = await startDemoApi();
    const launch = async (service: ServiceName) => {
      const proc = await ServiceProcess.launch(service, env());
      started.push(proc);
      await proc.ready();
      return proc;
    };
    const [connections, flows] = await Promise.all([launch('connections'), launch('flow-definition')]);
    const port = await freePort();
    consoleProcess = new ServiceProcess(
      join(ROOT, 'dist/services/console/src/main.js'),
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        CONSOLE_PORT: String(port),
        CONNECTIONS_URL: connections.url(''),
        FLOW_DEFINITION_URL: flows.url(''),
        // Not started: the console answers for them with 503.
        WORKER_URL: `http://127.0.0.1:${await freePort()}`,
        WHATSAPP_MESSAGING_URL: `http://127.0.0.1:${await freePort()}`,
      },
      port,
    );
    started.push(consoleProcess);
    await consoleProcess.ready();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    page = await (await browser.newContext()).newPage();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of started) p.kill('SIGTERM');
    await Promise.all(started.map((p) => p.exited));
    await demo?.close();
    await db?.drop();
  }, 60_000);

  it('puts the four admin APIs behind its one origin: each path to its service, 503 for one that is down, 404 for none', async () => {
    const get = (path: string) =>
      fetch(`${origin()}/api${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
    const flows = await get('/flows');
    expect(flows.status).toBe(200);
    expect(await flows.json()).toEqual({ items: [], total: 0 });
    expect((await get('/connections')).status).toBe(200);
    expect((await fetch(`${origin()}/api/flows`)).status).toBe(401); // the service checks the key
    const down = await get('/runs');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const none = await get('/nothing-here');
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ code: 'NOT_FOUND' });
    // The pages, with a content security policy that keeps scripts to this origin.
    const home = await fetch(`${origin()}/connections`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('signs in with the admin key, kept for the tab only: a wrong key is refused in words', async () => {
    await page.goto(`${origin()}/`);
    expect(await accessibilityProblems()).toEqual([]);
    await page.getByLabel('Admin API key').fill('fb_wrong_key_that_is_long_enough_00');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('alert').filter({ hasText: 'That key was refused' }).waitFor();
    await shot('1-sign-in-refused');
    await page.getByLabel('Admin API key').fill(adminKey);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('heading', { name: 'API Connections' }).waitFor();
    await shot('2-connections-empty');
    expect(page.url()).not.toContain(adminKey);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain('fb_');
    expect(await page.evaluate(() => sessionStorage.getItem('flowbridge.adminKey'))).toBe(adminKey);
  });

  it('API Connections → Add Connection → Title, URL → Create; the token stays masked; Verify shows the result', async () => {
    await page.getByRole('button', { name: 'Add Connection' }).click();
    await page.getByLabel('Title').fill('Customer API');
    await page.getByLabel('URL').fill('not a url');
    await page.getByRole('button', { name: 'Create' }).click();
    // The API's own words, next to the URL field.
    await page.locator('#baseUrl-error').waitFor();
    expect(await page.locator('#baseUrl').getAttribute('aria-invalid')).toBe('true');
    await shot('3-add-connection-refused');

    const token = `console-token-${randomBytes(6).toString('hex')}`;
    await page.getByLabel('URL').fill(demo.url);
    await page.getByLabel('Authentication').selectOption('bearer');
    await page.getByLabel('Token').fill(token);
    expect(await page.getByLabel('Token').getAttribute('type')).toBe('password');
    // Every auth kind has its fields; each secret one is masked.
    for (const [kind, secret] of [
      ['basic', 'Password'],
      ['api_key', 'Key value'],
      ['oauth2_client_credentials', 'Client secret'],
    ] as const) {
      await page.getByLabel('Authentication').selectOption(kind);
      expect(await page.getByLabel(secret).getAttribute('type')).toBe('password');
    }
    await page.getByLabel('Authentication').selectOption('bearer');
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('status').filter({ hasText: 'Connection "Customer API" created' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Customer API' });
    await row.waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(
      expect.arrayContaining(['Customer API', demo.url, 'bearer']),
    );
    // The secret is in no page and no answer the browser got.
    expect(await page.content()).not.toContain(token);

    // Another kind: basic auth, its password never shown back.
    const password = `console-pw-${randomBytes(6).toString('hex')}`;
    await page.getByRole('button', { name: 'Add Connection' }).click();
    await page.getByLabel('Title').fill('Billing API');
    await page.getByLabel('URL').fill(demo.url);
    await page.getByLabel('Authentication').selectOption('basic');
    await page.getByLabel('User name').fill('flowbridge');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create' }).click();
    const billing = page.getByRole('row').filter({ hasText: 'Billing API' });
    await billing.waitFor();
    expect(await billing.getByRole('cell').nth(2).innerText()).toBe('basic');
    expect(await page.content()).not.toContain(password);

    await row.getByRole('button', { name: 'Verify Customer API' }).click();
    await row.getByText(/^reachable \(HTTP \d+\)$/).waitFor();
    await shot('4-connection-verified');
    expect(await accessibilityProblems()).toEqual([]);
  });

  it('APIs → Add API Data → "API details created successfully"; Test the request with sample variables, the API up and failing', async () => {
    await page.getByRole('link', { name: 'APIs', exact: true }).click();
    await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add API', exact: true }).click();
    await page.getByLabel('API Name').fill('Fetch API Data');
    await page.getByLabel('Connection', { exact: true }).selectOption({ label: 'Customer API' });
    await page.getByLabel(/^Path/).fill('/orders/{{order_id}}');
    await page.getByLabel(/^Response mapping/).fill('{"order_status": "data.status"}');
    await page.getByRole('button', { name: 'Add API Data', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'API details created successfully' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Fetch API Data' });
    await row.waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(
      expect.arrayContaining(['Fetch API Data', 'GET /orders/{{order_id}}', 'Customer API']),
    );
    await shot('5-api-created');

    // "Test API Before Deployment": what a flow would get, with the status, the data and the mapped variables.
    await row.getByRole('button', { name: 'Test Fetch API Data' }).click();
    await page.getByLabel('Sample variables (JSON)').fill('{"order_id": "A-1001"}');
    await page.getByRole('button', { name: 'Test the request' }).click();
    const truth = (await (await fetch(`${demo.url}/orders/A-1001`)).json()) as { status: string };
    await page.getByText(/^success · HTTP 200 · 1 attempt · \d+ ms$/).waitFor();
    expect(await page.locator('.result pre').nth(1).innerText()).toContain(
      `"order_status": "${truth.status}"`,
    );
    await shot('6-api-tested');
    expect(await accessibilityProblems()).toEqual([]);

    demo.failing = -1;
    try {
      await page.getByRole('button', { name: 'Test the request' }).click();
      await page.getByText(/^failure · HTTP 503 · \d+ attempts? · \d+ ms/).waitFor();
    } finally {
      demo.failing = 0;
    }
    await shot('7-api-test-failing');
  }, 60_000);

  it('Flows → Open → Verify shows every problem (the missing failure screen, on its screen) → fixed → Publish → versions, activate', async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${origin()}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as { id: string; items: Array<{ id: string; name: string }> };
    };
    const apiId = (await call('GET', '/apis')).items.find((a) => a.name === 'Fetch API Data')!.id;
    const document = JSON.parse(
      readFileSync(join(ROOT, 'examples/order-status-flow.json'), 'utf8').replaceAll('API_ID', apiId),
    ) as { screens: Array<{ id: string; actions?: Array<{ onFailure?: string }> }> };
    const broken = structuredClone(document);
    const lookup = broken.screens.find((screen) => screen.actions?.some((a) => a.onFailure))!;
    delete lookup.actions!.find((a) => a.onFailure)!.onFailure;
    const flow = await call('POST', '/flows', broken);

    await page.getByRole('link', { name: 'Flows', exact: true }).click();
    await page.getByRole('button', { name: 'Open Order status' }).click();
    const panel = page.getByRole('region', { name: 'Flow Order status' });
    await panel.getByRole('button', { name: 'Verify' }).click();
    const missing = panel.getByRole('listitem').filter({ hasText: `Screen "${lookup.id}"` });
    await missing.first().waitFor();
    expect(await panel.innerText()).toMatch(/failure screen/i);
    await panel.getByRole('button', { name: 'Publish' }).click();
    await panel.getByRole('alert').filter({ hasText: 'Not published: fix the problems below' }).waitFor();
    await shot('8-flow-verify-refused');

    // Fixed (by the API for now; the builder's canvas comes next), verified, published, then a second version.
    await call('PATCH', `/flows/${flow.id}`, { screens: document.screens });
    await panel.getByRole('button', { name: 'Verify' }).click();
    await panel.getByRole('status').filter({ hasText: 'No problems: ready to publish' }).waitFor();
    await panel.getByRole('button', { name: 'Publish' }).click();
    await panel.getByRole('status').filter({ hasText: 'Version 1 published and active' }).waitFor();
    await panel.getByRole('button', { name: 'Publish' }).click();
    await panel.getByRole('status').filter({ hasText: 'Version 2 published and active' }).waitFor();
    await panel.getByRole('button', { name: 'Activate version 1' }).click();
    await panel.getByRole('status').filter({ hasText: 'Version 1 is active' }).waitFor();
    await shot('9-flow-published');
    expect(await accessibilityProblems()).toEqual([]);
    const row = page.getByRole('row').filter({ hasText: 'Order status' });
    expect(await row.getByRole('cell').nth(1).innerText()).toBe('1');
  }, 60_000);

  it('a key never reaches the page source, and the built pages hold no secret', () => {
    const html = readFileSync(join(ROOT, 'dist/console-web/index.html'), 'utf8');
    expect(html).not.toContain(adminKey);
    expect(html).toContain('<div id="root">');
  });
});
