import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { createTestDatabase, type TestDatabase, testRedisUrl, until } from '@flowbridge/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type DemoApi, startDemoApi } from '../tools/demo-api/src/demo-api';
import { CHROMIUM, CHROMIUM_ARGS } from './browser';
import { freePort, newKey, ROOT, ServiceProcess } from './service-process';

/** Screenshots of each step, kept as the test's artifacts. */
const SHOTS = join(ROOT, 'test-artifacts', 'console');

// The system as `npm start` starts it (scripts/start.mjs itself, after the build npm test made): the console (the
// built pages, the admin APIs behind /api, the sandbox's contact routes behind /sandbox) in front of the four
// services, the WhatsApp sandbox, and a test's own demo business API; no demo seeded, so the workspace is empty;
// business API, driven in Debian's Chromium through Playwright: the product page's walkthrough, clicked.
describe('[issue 21] the console in a real browser (Playwright, Chromium)', () => {
  let db: TestDatabase;
  let demo: DemoApi;
  let system: ChildProcess;
  let systemExited: Promise<void>;
  const systemOutput: string[] = [];
  const number = {
    phoneNumberId: '180000000000001',
    displayPhoneNumber: '15550002222',
    wabaId: '280000000000001',
    appSecret: `console-secret-${randomBytes(8).toString('hex')}`,
  };
  let browser: Browser;
  let page: Page;
  let consoleUrl: string;
  let lonelyConsole: ServiceProcess | undefined;
  const adminKey = `fb_test_${randomBytes(18).toString('base64url')}`;
  const prefix = `fbtest-console-${randomBytes(4).toString('hex')}`;
  const encryptionKey = newKey();
  const origin = () => consoleUrl;
  /** The draft of the flow the walkthrough builds, as the API has it. */
  const flowDraft = async () => {
    const headers = { authorization: `Bearer ${adminKey}` };
    const { items } = (await (await fetch(`${origin()}/api/flows`, { headers })).json()) as {
      items: Array<{
        name: string;
        draft: { layout?: { screens: Record<string, { x: number; y: number }> } };
      }>;
    };
    return items.find((f) => f.name === 'Order status')!.draft;
  };
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  /** Runs a step; when it fails, the page as it was is kept too (`failed-<name>.png`). */
  const shotOnFailure = async (name: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      await shot(`failed-${name}`).catch(() => undefined);
      throw error;
    }
  };
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
    demo = await startDemoApi();
    const [sandboxPort, consolePort, ...servicePorts] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );
    const ports = {
      CONNECTIONS_PORT: servicePorts[0],
      FLOW_DEFINITION_PORT: servicePorts[1],
      WORKER_PORT: servicePorts[2],
      WHATSAPP_MESSAGING_PORT: servicePorts[3],
    };
    // npm start with this test's settings: its own settings file (made from .env.example as for a newcomer),
    // database, Redis prefixes and free ports; the sandbox on a port of this machine (so npm start runs it).
    system = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs'), '--no-build'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        FLOWBRIDGE_ENV_FILE: join(mkdtempSync(join(tmpdir(), 'fb-console-')), '.env'),
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.appUrl,
        DATABASE_MIGRATION_URL: db.url,
        DATABASE_POOL_SIZE: '8',
        REDIS_URL: testRedisUrl(),
        RPC_NAMESPACE: prefix,
        QUEUE_PREFIX: prefix,
        TRIGGER_PARTITIONS: '4',
        NAVIGATION_PARTITIONS: '4',
        ADMIN_API_KEY: adminKey,
        ADMIN_WORKSPACE: 'ws-console',
        ENCRYPTION_KEYS: `k1:${encryptionKey}`,
        OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
        DEMO: 'false',
        GRAPH_API_BASE_URL: `http://127.0.0.1:${sandboxPort}`,
        SANDBOX_PHONE_NUMBER_ID: number.phoneNumberId,
        SANDBOX_DISPLAY_PHONE_NUMBER: number.displayPhoneNumber,
        SANDBOX_WABA_ID: number.wabaId,
        SANDBOX_APP_SECRET: number.appSecret,
        CONSOLE_PORT: String(consolePort),
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    systemExited = new Promise((resolve) => system.once('exit', () => resolve()));
    const running = new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        systemOutput.push(chunk.toString());
        if (systemOutput.join('').includes('Flowbridge is running')) resolve();
      };
      system.stdout!.on('data', read);
      system.stderr!.on('data', read);
      system.once('exit', (code) =>
        reject(new Error(`npm start exited (${code}):\n${systemOutput.join('')}`)),
      );
    });
    await running;
    consoleUrl = `http://127.0.0.1:${consolePort}`;
    expect(systemOutput.join('')).toContain(`console              ${consoleUrl}`);
    // A second console whose worker is not running, and with no sandbox beside it.
    const port = await freePort();
    lonelyConsole = new ServiceProcess(
      join(ROOT, 'dist/services/console/src/main.js'),
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        CONSOLE_PORT: String(port),
        CONNECTIONS_URL: `http://127.0.0.1:${ports.CONNECTIONS_PORT}`,
        FLOW_DEFINITION_URL: `http://127.0.0.1:${ports.FLOW_DEFINITION_PORT}`,
        WORKER_URL: `http://127.0.0.1:${await freePort()}`,
        WHATSAPP_MESSAGING_URL: `http://127.0.0.1:${ports.WHATSAPP_MESSAGING_PORT}`,
      },
      port,
    );
    await lonelyConsole.ready();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    page = await (await browser.newContext()).newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    lonelyConsole?.kill('SIGTERM');
    system?.kill('SIGTERM'); // npm start stops everything it started
    await Promise.all([lonelyConsole?.exited, systemExited]);
    await demo?.close();
    await db?.drop();
  }, 60_000);

  it('puts the four admin APIs behind its one origin: each path to its service, 503 for one that is down, 404 for none', async () => {
    const get = (path: string, at = origin()) =>
      fetch(`${at}/api${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
    const flows = await get('/flows');
    expect(flows.status).toBe(200);
    expect(await flows.json()).toEqual({ items: [], total: 0 });
    expect((await get('/connections')).status).toBe(200);
    expect((await get('/runs')).status).toBe(200);
    expect((await get('/channels')).status).toBe(200);
    expect((await fetch(`${origin()}/api/flows`)).status).toBe(401); // the service checks the key
    const down = await get('/runs', lonelyConsole!.url(''));
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

  it("forwards the sandbox's contact routes only, to an admin only, and only where a sandbox runs", async () => {
    const conversation = '/sandbox/contacts/15550009999/conversation?after=0';
    const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
    const ok = await fetch(`${origin()}${conversation}`, as(adminKey));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ items: [] });
    expect((await fetch(`${origin()}${conversation}`)).status).toBe(401);
    expect(
      (await fetch(`${origin()}${conversation}`, as('fb_wrong_key_that_is_long_enough_00'))).status,
    ).toBe(401);
    // The sandbox's other routes (reset, failures, numbers with their secrets) are not the console's to reach.
    const reset = await fetch(`${origin()}/sandbox/reset`, { method: 'POST', ...as(adminKey) });
    expect(reset.status).toBe(404);
    expect((await fetch(`${origin()}/sandbox/numbers`, as(adminKey))).status).toBe(404);
    const off = await fetch(`${lonelyConsole!.url('')}${conversation}`, as(adminKey));
    expect(off.status).toBe(404);
    expect(await off.json()).toMatchObject({ code: 'SANDBOX_OFF' });
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

    // Edit: renamed and moved, the password left as it was (never shown, not retyped).
    await billing.getByRole('button', { name: 'Edit Billing API' }).click();
    const edit = page.getByRole('form', { name: 'Edit Billing API' });
    expect(await edit.getByLabel('Password').inputValue()).toBe('');
    expect(await edit.getByLabel('User name').inputValue()).toBe('flowbridge');
    await edit.getByLabel('Title').fill('Billing API v2');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Connection "Billing API v2" saved' }).waitFor();
    const renamed = page.getByRole('row').filter({ hasText: 'Billing API v2' });
    expect(await renamed.getByRole('cell').nth(2).innerText()).toBe('basic');
    expect(await page.content()).not.toContain(password);

    await row.getByRole('button', { name: 'Verify Customer API' }).click();
    await row.getByText(/^reachable \(HTTP \d+\)$/).waitFor();
    await shot('4-connection-verified');
    expect(await accessibilityProblems()).toEqual([]);
  });

  it('APIs → Add API with query, headers, body and success criteria; Test the request, the API up and failing; Edit', async () => {
    await page.getByRole('link', { name: 'APIs', exact: true }).click();
    await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add API', exact: true }).click();
    const form = page.getByRole('form', { name: 'Add API Data' });
    await form.getByLabel('API Name').fill('Order lookup');
    await form.getByLabel('Connection', { exact: true }).selectOption({ label: 'Customer API' });
    await form.getByLabel('Path (may hold {{variables}})').fill('/orders/{{order_id}}');
    await form.getByLabel(/^Query parameters/).fill('{"include": "items"}');
    await form.getByLabel(/^Headers/).fill('not json');
    await form.getByRole('button', { name: 'Add API Data', exact: true }).click();
    // A part that is not JSON is named under its field, and nothing is sent.
    await form.getByText('Write this as JSON, e.g. {"x-client": "flowbridge"}').waitFor();
    expect(await form.getByLabel(/^Headers/).getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel(/^Headers/).fill('{"x-client": "console"}');
    await form.getByLabel('Success when the status is').fill('2xx');
    await form.getByLabel(/^Response mapping/).fill('{"order_status": "data.status"}');
    await form.getByRole('button', { name: 'Add API Data', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'API details created successfully' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Order lookup' });
    await row.waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(
      expect.arrayContaining(['Order lookup', 'GET /orders/{{order_id}}', 'Customer API']),
    );
    await shot('5-api-created');

    // "Test API Before Deployment": what a flow would get, with the status, the data and the mapped variables.
    await row.getByRole('button', { name: 'Test Order lookup' }).click();
    await page.getByLabel('Sample variables (JSON)').fill('{"order_id": "A-1001"}');
    await page.getByRole('button', { name: 'Test the request' }).click();
    const truth = (await (await fetch(`${demo.url}/orders/A-1001`)).json()) as { status: string };
    await page.getByText(/^success · HTTP 200 · 1 attempt · \d+ ms$/).waitFor();
    expect(await page.locator('.result pre').nth(1).innerText()).toContain(
      `"order_status": "${truth.status}"`,
    );
    expect(demo.calls.at(-1)?.path).toBe('/orders/A-1001');
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

    // Edit: the form comes back with every part as saved; a change is saved and listed.
    await row.getByRole('button', { name: 'Edit Order lookup' }).click();
    const edit = page.getByRole('form', { name: 'Edit Order lookup', exact: true });
    expect(await edit.getByLabel(/^Query parameters/).inputValue()).toContain('"include": "items"');
    expect(await edit.getByLabel(/^Headers/).inputValue()).toContain('"x-client": "console"');
    expect(await edit.getByLabel(/^Response mapping/).inputValue()).toContain(
      '"order_status": "data.status"',
    );
    expect(await edit.getByLabel('Success when the status is').inputValue()).toBe('2xx');
    await edit.getByLabel('Method').selectOption('POST');
    await edit.getByLabel(/^Body template/).fill('{"orderId": "{{order_id}}"}');
    await edit.getByRole('button', { name: 'Save API' }).click();
    await page.getByRole('status').filter({ hasText: 'API "Order lookup" saved' }).waitFor();
    expect(await row.getByRole('cell').nth(1).innerText()).toBe('POST /orders/{{order_id}}');
    await row.getByRole('button', { name: 'Edit Order lookup' }).click();
    expect(await edit.getByLabel(/^Body template/).inputValue()).toContain('"orderId": "{{order_id}}"');
    await edit.getByRole('button', { name: 'Cancel' }).click();
  }, 60_000);

  it('WhatsApp numbers → Add Number: the access token and app secret are masked and never shown back', async () => {
    await page.getByRole('link', { name: 'WhatsApp numbers', exact: true }).click();
    await page.getByRole('button', { name: 'Add Number' }).click();
    const accessToken = `console-token-${randomBytes(6).toString('hex')}`;
    const form = page.getByRole('form', { name: 'Add Number' });
    await form.getByLabel('Phone number (as shown)').fill(number.displayPhoneNumber);
    await form.getByLabel('Phone number ID').fill(number.phoneNumberId);
    await form.getByLabel('WhatsApp Business Account ID').fill(number.wabaId);
    await form.getByLabel('Access token').fill(accessToken);
    await form.getByLabel('App secret').fill(number.appSecret);
    await form.getByLabel('Webhook verify token').fill('console-verify');
    for (const secret of ['Access token', 'App secret'])
      expect(await form.getByLabel(secret).getAttribute('type')).toBe('password');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Number ${number.displayPhoneNumber} added` })
      .waitFor();
    const row = page.getByRole('row').filter({ hasText: number.phoneNumberId });
    expect(await row.getByRole('cell').nth(2).innerText()).toMatch(/^••••/);
    const html = await page.content();
    expect(html).not.toContain(accessToken);
    expect(html).not.toContain(number.appSecret);
    await shot('8-number-added');
    expect(await accessibilityProblems()).toEqual([]);
  });

  it(
    "the page's walkthrough in the Flow Builder: screens on the canvas, data_exchange with Create New Config, If Statement; Verify refuses the missing failure screen; fixed; Publish; chat with the API up and failing",
    () =>
      shotOnFailure('walkthrough', async () => {
        await page.getByRole('link', { name: 'Flows', exact: true }).click();
        await page.getByLabel('Flow name').fill('Order status');
        await page.getByRole('button', { name: 'Create Flow' }).click();
        const builder = page.getByRole('region', { name: 'Flow Order status' });
        await builder.waitFor();
        const notice = (text: string) =>
          builder.getByRole('status').filter({ hasText: text }).first().waitFor();
        const panel = (title: string) => builder.getByRole('form', { name: `Screen ${title}` });
        const node = (id: string) => builder.locator(`.react-flow__node[data-id="${id}"]`);

        // Four screens, each added on the canvas and given its message in the side panel (Update Component).
        for (const [title, text] of [
          ['Welcome', 'Hi! Send your order number.'],
          ['First Screen', 'Order {{order_id}} is {{api_response.data.status}}.'],
          ['Sample Screen', 'Sorry, we could not look up order {{order_id}} right now.'],
          ['Delivered', 'It has arrived: enjoy!'],
        ]) {
          await builder.getByLabel('New screen title').fill(title);
          await builder.getByRole('button', { name: 'Add Screen' }).click();
          await notice(`Screen "${title}" added`);
          await panel(title).getByRole('button', { name: 'Add text message' }).click();
          await panel(title).getByLabel('Text (may hold {{variables}})').fill(text);
          await panel(title).getByRole('button', { name: 'Update Component' }).click();
          await notice(`Screen "${title}" updated`);
        }
        expect(await builder.locator('.react-flow__node').count()).toBe(4);
        // Dragged on the canvas, a screen keeps its place: the layout is saved with the draft.
        const before = await node('delivered').boundingBox();
        await node('delivered').hover();
        await page.mouse.down();
        await page.mouse.move(before!.x + before!.width / 2 + 120, before!.y + before!.height / 2 + 90, {
          steps: 8,
        });
        await page.mouse.up();
        const moved = await until('the moved screen saved', async () => {
          const y = (await flowDraft()).layout?.screens.delivered?.y;
          return y !== undefined && y > 40 && y;
        });
        expect(moved).toBeGreaterThan(40);

        // Welcome: waits for the order number, then the footer's action: data_exchange with a new API config.
        await node('welcome').click();
        const welcome = panel('Welcome');
        await welcome.getByLabel("Wait for the contact's reply").check();
        await welcome.getByLabel('Save the reply as').fill('order_id');
        await welcome.getByLabel('Add an action').selectOption('data_exchange');
        await welcome.getByRole('button', { name: 'Create New Config' }).click();
        const config = welcome.getByRole('form', { name: 'Create New Config' });
        await config.getByLabel('API Name').fill('Fetch API Data');
        await config.getByLabel('Connection', { exact: true }).selectOption({ label: 'Customer API' });
        await config.getByLabel('Path (may hold {{variables}})').fill('/orders/{{order_id}}');
        await config.getByRole('button', { name: 'Add API Data' }).click();
        await welcome.getByRole('status').filter({ hasText: 'API details created successfully' }).waitFor();
        const chosen = welcome.getByLabel('Select or Create API Integration');
        expect(await chosen.locator('option:checked').innerText()).toBe('Fetch API Data');
        await welcome.getByLabel('On success, go to').selectOption({ label: 'First Screen' });
        // No failure screen yet: the page's example of what Verify refuses.
        await welcome.getByRole('button', { name: 'Update Component' }).click();
        await notice('Screen "Welcome" updated');
        await shot('9-builder-data-exchange');

        // First Screen: an If Statement with its five fields, then the end of the run.
        await node('first_screen').click();
        const first = panel('First Screen');
        await first.getByLabel('Add an action').selectOption('if');
        await first.getByLabel('Variable', { exact: true }).fill('api_response.data.status');
        await first.getByLabel('Data Type').selectOption('string');
        await first.getByLabel('Operator').selectOption('is');
        await first.getByLabel('Value', { exact: true }).fill('delivered');
        expect(await first.getByLabel(/^Dynamic Value/).isChecked()).toBe(false);
        await first.getByLabel('Then go to').selectOption({ label: 'Delivered' });
        await first.getByLabel('Add an action').selectOption('end');
        await first.getByRole('button', { name: 'Update Component' }).click();
        await notice('Screen "First Screen" updated');

        // The flow starts on "order" (any message with it).
        await builder.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
        const settings = builder.getByRole('form', { name: 'Flow settings' });
        await settings.getByLabel(/^Starts when a contact says/).fill('order');
        expect(await settings.getByLabel('Start screen').locator('option:checked').innerText()).toBe(
          'Welcome',
        );
        await settings.getByRole('button', { name: 'Save settings' }).click();
        await notice('Flow settings saved');
        await shot('10-builder-canvas');

        // Verify: every problem at once, the missing failure screen among them, on its screen; Publish refuses.
        await builder.getByRole('button', { name: 'Verify' }).click();
        const missing = builder.getByRole('button', { name: /^Screen "Welcome": .*failure/i });
        await missing.waitFor();
        expect(await node('welcome').locator('.screen-node').getAttribute('class')).toContain('has-problems');
        await builder.getByRole('button', { name: 'Publish' }).click();
        await builder
          .getByRole('alert')
          .filter({ hasText: 'Not published: fix the problems below' })
          .waitFor();
        await shot('11-verify-refused');
        // The problem, clicked, focuses its field on its screen.
        await node('delivered').click();
        await missing.click();
        const failure = panel('Welcome').getByLabel('On failure, go to');
        expect(
          await until('the failure field focused', () =>
            failure.evaluate((el) => el === el.ownerDocument.activeElement),
          ),
        ).toBe(true);
        expect(await failure.getAttribute('aria-invalid')).toBe('true');
        await failure.selectOption({ label: 'Sample Screen' });
        await panel('Welcome').getByRole('button', { name: 'Update Component' }).click();
        await notice('Screen "Welcome" updated');
        await builder.getByRole('button', { name: 'Verify' }).click();
        await notice('No problems: ready to publish');
        await builder.getByRole('button', { name: 'Publish' }).click();
        await notice('Version 1 published and active');
        expect(await builder.getByRole('region', { name: 'Versions' }).innerText()).toMatch(
          /Version 1 .*active/,
        );
        // Success and failure are edges on the canvas, labelled.
        const labels = await until('the edges drawn', async () => {
          const texts = (await builder.locator('.react-flow__edge-text').allTextContents()).sort();
          return texts.length >= 3 && texts;
        });
        expect(labels).toEqual(['failure', 'success', 'then']);
        await shot('12-published');
        expect(await accessibilityProblems()).toEqual([]);

        // Test: the chat as a contact, beside the run's live view. With the API up: First Screen.
        const test = builder.getByRole('region', { name: 'Test' });
        const say = async (text: string) => {
          await test.getByLabel('Message', { exact: true }).fill(text);
          await test.getByRole('button', { name: 'Send' }).click();
        };
        const bubble = (text: string) =>
          test.getByRole('listitem').filter({ hasText: text }).first().waitFor({ timeout: 20_000 });
        await say('order');
        await bubble('Hi! Send your order number.');
        await say('A-1001');
        const truth = (await (await fetch(`${demo.url}/orders/A-1001`)).json()) as { status: string };
        await bubble(`Order A-1001 is ${truth.status}.`);
        const run = test.locator('.run');
        await run.getByText('HTTP 200').waitFor({ timeout: 20_000 });
        const steps = await until('the run on First Screen', async () => {
          const texts = await run.locator('.steps li').allInnerTexts();
          return texts.some((t) => t.startsWith('first_screen')) && texts;
        });
        expect(steps[0]).toMatch(/^welcome/);
        expect(await run.locator('pre').innerText()).toContain(`"status": "${truth.status}"`);
        await shot('13-chat-api-up');

        // With the API failing: a new contact reaches Sample Screen, and the call log shows each failed attempt.
        demo.failing = -1;
        try {
          await test.getByRole('button', { name: 'New contact' }).click();
          await say('order');
          await bubble('Hi! Send your order number.');
          await say('A-1002');
          await bubble('Sorry, we could not look up order A-1002 right now.');
          await run
            .getByText(/HTTP 503/)
            .first()
            .waitFor({ timeout: 20_000 });
          const failed = await until('the run on Sample Screen', async () => {
            const texts = await run.locator('.steps li').allInnerTexts();
            return texts.some((t) => t.startsWith('sample_screen')) && texts;
          });
          expect(failed).not.toContainEqual(expect.stringMatching(/^first_screen/));
        } finally {
          demo.failing = 0;
        }
        await shot('14-chat-api-failing');
        expect(await accessibilityProblems()).toEqual([]);
      }),
    120_000,
  );

  it('Runs: the history searched by contact, a run opened with its messages and call log; a connection in use is not deleted (409 in words)', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { name: 'Runs and messages' }).waitFor();
    const rows = page.getByRole('row').filter({ hasText: 'completed' });
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    const contact = (await rows.first().getByRole('cell').first().innerText()).trim();
    await page.getByLabel('Contact (WhatsApp number)').fill(contact);
    await page.getByRole('button', { name: 'Search' }).click();
    const mine = page.getByRole('row').filter({ hasText: contact });
    await until('one run for the contact', async () => (await page.getByRole('row').count()) === 2);
    await mine.getByRole('button', { name: /^Open the run of/ }).click();
    const detail = page.getByRole('region', { name: 'Run' });
    await detail.getByText('Sorry, we could not look up order A-1002 right now.').waitFor();
    expect(await detail.locator('.calls tbody tr').count()).toBeGreaterThan(1);
    expect(await detail.locator('.calls').innerText()).toContain('HTTP 503');
    await shot('15-runs');
    expect(await accessibilityProblems()).toEqual([]);

    await page.getByRole('link', { name: 'API Connections', exact: true }).click();
    await page.getByRole('button', { name: 'Delete Customer API' }).click();
    await page.getByRole('alert').filter({ hasText: 'The connection is used by APIs' }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Customer API' }).count()).toBe(1);
    await page.getByRole('link', { name: 'Flows', exact: true }).click();
    await page.getByRole('button', { name: 'Open Order status' }).click();
  }, 60_000);

  it('versions: a second publish, then roll back to version 1', async () => {
    const builder = page.getByRole('region', { name: 'Flow Order status' });
    await builder.getByRole('button', { name: 'Publish' }).click();
    await builder.getByRole('status').filter({ hasText: 'Version 2 published and active' }).waitFor();
    await builder.getByRole('button', { name: 'Activate version 1' }).click();
    await builder.getByRole('status').filter({ hasText: 'Version 1 is active' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Order status' });
    expect(
      await until(
        'version 1 listed as active',
        async () => (await row.getByRole('cell').nth(1).innerText()) === '1',
      ),
    ).toBe(true);
  });

  it(
    "a WhatsApp form: Add Form; its screen's footer → Edit Action → data_exchange with the API, success and failure screens and API data; Verify focuses the form's missing failure screen",
    () =>
      shotOnFailure('form', async () => {
        const builder = page.getByRole('region', { name: 'Flow Order status' });
        const notice = (text: string) =>
          builder.getByRole('status').filter({ hasText: text }).first().waitFor();
        const node = (id: string) => builder.locator(`.react-flow__node[data-id="${id}"]`);
        await builder.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
        await builder.getByLabel('New form name').fill('Order form');
        await builder.getByRole('button', { name: 'Add Form' }).click();
        await notice('Form "Order form" added');
        expect(await builder.getByLabel('Showing').locator('option:checked').innerText()).toBe(
          'WhatsApp form: Order form',
        );
        for (const title of ['Result', 'Sample Screen']) {
          await builder.getByLabel('New screen title').fill(title);
          await builder.getByRole('button', { name: 'Add Screen' }).click();
          await notice(`Screen "${title}" added`);
        }
        expect(await builder.locator('.react-flow__node').count()).toBe(3);

        await node('FIRST_SCREEN').click();
        const first = builder.getByRole('form', { name: 'Form screen Order form' });
        await first.getByLabel('Add a component').selectOption('TextInput');
        await first.getByLabel('Label').fill('Order number');
        await first.getByLabel('Footer button').fill('Look up');
        await first.getByLabel('Edit Action').selectOption('data_exchange');
        await first.getByLabel('Select or Create API Integration').selectOption({ label: 'Fetch API Data' });
        await first.getByLabel('On success, go to').selectOption({ label: 'Result' });
        await first.getByLabel('Data name').fill('status');
        await first.getByRole('button', { name: 'Add data' }).click();
        await first.getByRole('button', { name: 'Update Component' }).click();
        await notice('Screen "Order form" updated');
        // React Flow hides a node while it measures it again after a change: wait for it to show the action.
        await node('FIRST_SCREEN').filter({ hasText: '[Look up] API: Fetch API Data' }).waitFor();
        expect(await node('FIRST_SCREEN').innerText()).toContain('[Look up] API: Fetch API Data');

        await builder.getByRole('button', { name: 'Verify' }).click();
        const missing = builder.getByRole('button', {
          name: /^Form "Order form", screen "Order form": .*failure/i,
        });
        await missing.waitFor();
        await node('RESULT').click();
        await missing.click();
        const failure = builder
          .getByRole('form', { name: 'Form screen Order form' })
          .getByLabel('On failure, go to');
        expect(
          await until('the form failure field focused', () =>
            failure.evaluate((el) => el === el.ownerDocument.activeElement),
          ),
        ).toBe(true);
        await failure.selectOption({ label: 'Sample Screen' });
        await builder.getByRole('button', { name: 'Update Component' }).click();
        await notice('Screen "Order form" updated');
        await builder.getByRole('button', { name: 'Verify' }).click();
        await until('the missing failure screen gone', async () => (await missing.count()) === 0);
        const labels = await until('the form edges drawn', async () => {
          const texts = (await builder.locator('.react-flow__edge-text').allTextContents()).sort();
          return texts.length >= 2 && texts;
        });
        expect(labels).toEqual(['failure', 'success']);
        // Saved in the draft as Meta's form: the footer's action with its API, screens and data.
        const saved = (await flowDraft()) as unknown as {
          forms: Array<{ screens: Array<{ id: string; footer: { label: string; action: object } }> }>;
        };
        expect(saved.forms[0].screens[0].footer).toEqual({
          label: 'Look up',
          action: expect.objectContaining({
            type: 'data_exchange',
            onSuccess: 'RESULT',
            onFailure: 'SAMPLE_SCREEN',
            apiData: { status: '{{api_response.data.status}}' },
          }),
        });
        await shot('17-form-footer');
        expect(await accessibilityProblems()).toEqual([]);
      }),
    60_000,
  );

  it('a key never reaches the page source, and the built pages hold no secret', () => {
    const html = readFileSync(join(ROOT, 'dist/console-web/index.html'), 'utf8');
    expect(html).not.toContain(adminKey);
    expect(html).toContain('<div id="root">');
  });
});
