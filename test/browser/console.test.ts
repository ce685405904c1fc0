import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LOCAL_OWNER } from '../../schema/api-token.ts';
import type { RunningSystem } from '../../app/system.ts';
import { ownerContext } from '../../services/device-service.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiRequest, getWithHost } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/**
 * Issue 18: the web console in a real Chromium, against the real stack (API, worker, Temporal,
 * PostgreSQL) and a real sshd with the docker stand-in. One stack and one browser for the file; the
 * tests run in order and the last ones create tokens (the open loopback setup ends there).
 */
describe('web console', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const owner = ownerContext('api');

  const device = (hostname: string, extra: Record<string, unknown> = {}) => ({
    hostname,
    address: '127.0.0.1',
    port: sshd.port,
    username: sshd.username,
    auth_method: 'key' as const,
    identity_file: sshd.clientKeyPath,
    device_type: 'linux' as const,
    tags: [],
    location: null,
    description: null,
    monitoring_enabled: false,
    ...extra,
  });

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    // Config watching on: only the device the config test adds is monitored, so only it is watched.
    sys = await startTestSystem({ configWatchEnabled: true });
    await sys.devices.create(device('nas01', { tags: ['storage', 'home'] }), owner);
    await sys.devices.create(device('pi-garage', { tags: ['home'] }), owner);
    // A key that does not exist: its collections fail at once with key_missing, the device turns auth_failed.
    await sys.devices.create(device('ghost', { identity_file: '/nonexistent/infra-test-key', tags: ['lab'] }), owner);
    for (const hostname of ['nas01', 'pi-garage']) {
      await sys.collection.read(hostname, 'metrics', { forceRefresh: true }, owner);
      await sys.collection.read(hostname, 'containers', { forceRefresh: true }, owner);
    }
    await assert.rejects(sys.collection.read('ghost', 'metrics', { forceRefresh: true }, owner));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    // The watcher workflow ends with its device; otherwise it would outlive this stack on the shared server.
    if (await sys?.devices.get('watched').catch(() => null)) {
      await sys.devices.remove('watched', owner);
      await sys.client.workflow
        .getHandle(sys.watchers.workflowId('watched'))
        .result()
        .catch(() => undefined);
    }
    await sys?.stop();
    await sshd?.stop();
  });

  test('the API serves the console: hashed assets cached for good, the page never, client routes fall back to it, the API keeps its answers', async () => {
    const root = await fetch(`${sys.apiUrl}/`);
    assert.equal(root.status, 200);
    assert.match(root.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(root.headers.get('cache-control'), 'no-cache');
    assert.match(root.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(root.headers.get('access-control-allow-origin'), null, 'no CORS');
    const html = await root.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const asset = await fetch(`${sys.apiUrl}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    assert.equal(asset.headers.get('content-encoding'), 'gzip', 'fetch accepts gzip: the build compressed the scripts');
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    const plain = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`${sys.apiUrl}${script}`, (res) => resolve(res.resume())).on('error', reject),
    );
    assert.equal(
      plain.headers['content-encoding'],
      undefined,
      'a client that does not accept gzip gets the plain file',
    );
    assert.match(plain.headers['cache-control'] ?? '', /immutable/);

    const clientRoute = await fetch(`${sys.apiUrl}/operations/6f1c0000-0000-4000-8000-000000000000`);
    assert.equal(clientRoute.status, 200);
    assert.equal(await clientRoute.text(), html, 'the PUBLIC_URL link target loads the app');
    assert.equal(
      (await fetch(`${sys.apiUrl}/devices/nas01.lan/containers`)).status,
      200,
      'a dotted hostname is a client route, not a file',
    );
    assert.equal((await fetch(`${sys.apiUrl}/assets/missing-0000.js`)).status, 404);
    const apiMiss = await apiRequest(sys.apiUrl!, 'GET', '/api/nothing-here');
    assert.equal(apiMiss.status, 404);
    assert.equal(apiMiss.body.error.code, 'not_found');
    assert.equal(
      (await fetch(`${sys.apiUrl}/openapi.json`)).headers.get('content-type')?.startsWith('application/json'),
      true,
    );
    assert.equal(
      (await getWithHost(sys.apiUrl!, '/', 'evil.example')).status,
      403,
      'the host check guards the console too',
    );
    assert.deepEqual((await apiRequest(sys.apiUrl!, 'GET', '/api/whoami')).body, {
      id: 'local',
      name: 'local owner',
      kind: 'local_owner',
      scopes: ['read', 'operate', 'confirm', 'admin'],
      tokens_required: false,
    });
  });

  test('the fleet page lists every device with its figures, says why a failing one fails, filters by tag, and follows changes live', async () => {
    await page.goto(`${sys.apiUrl}/`);
    const row = (hostname: string) =>
      page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${hostname}\\b`) }) });
    await row('nas01').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 3);
    const cpu = Number(await row('nas01').getByRole('meter', { name: 'CPU of nas01' }).getAttribute('aria-valuenow'));
    assert.ok(cpu >= 0 && cpu <= 100, `cpu ${cpu}`);
    assert.ok(
      Number(await row('nas01').getByRole('meter', { name: 'memory of nas01' }).getAttribute('aria-valuenow')) > 0,
    );
    assert.ok(
      Number(
        await row('nas01').getByRole('meter', { name: 'fullest filesystem of nas01' }).getAttribute('aria-valuenow'),
      ) > 0,
    );
    assert.match((await row('nas01').textContent()) ?? '', /3\/4 running/);
    assert.match((await row('nas01').textContent()) ?? '', /\d+\.\d\d \/ \d+\.\d\d \/ \d+\.\d\d/, 'load 1/5/15');
    assert.match((await row('ghost').textContent()) ?? '', /auth failed/);
    assert.match((await row('ghost').textContent()) ?? '', /key_missing/, 'a failing device says why');
    await screenshot(page, 'fleet');

    await page.getByLabel('Tag').selectOption('storage');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    assert.match(page.url(), /\?tag=storage$/);
    await page.getByLabel('Tag').selectOption('');

    // At phone width (and in the dark theme) rows become cards: nothing wider than the screen.
    const phone = await (
      await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' })
    ).newPage();
    await phone.goto(`${sys.apiUrl}/`);
    await phone.getByRole('rowheader', { name: /^nas01\b/ }).waitFor();
    assert.ok(
      await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'no sideways scrolling',
    );
    await screenshot(phone, 'fleet-phone-dark');
    await phone.context().close();

    // Live: a device added elsewhere shows up without a reload.
    await sys.devices.create(device('added-later', { tags: ['lab'] }), owner);
    await row('added-later').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 4);
  });

  test('a device page draws its metrics charts from the stored history, with min/max/avg and the age of the newest point', async () => {
    // before() stored one metrics snapshot per device; a few more forced collections make a series.
    for (let i = 0; i < 3; i++) await sys.collection.read('nas01', 'metrics', { forceRefresh: true }, owner);
    await page.goto(`${sys.apiUrl}/devices/nas01`);
    const cpu = page.getByRole('figure', { name: 'CPU %' });
    await cpu.locator('canvas').waitFor();
    await page.getByText(/^4 points/).waitFor();
    const usage = cpu.getByRole('row', { name: /^usage/ });
    assert.match(
      (await usage.textContent())?.trim() ?? '',
      /^usage(\d+(\.\d)? %){4}$/,
      'min, max, avg and last of the series',
    );
    // The series line is drawn: the canvas holds pixels of its colour (#3b82f6).
    const drawn = await cpu.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < pixels.length; i += 4)
        if (Math.abs(pixels[i]! - 0x3b) < 30 && Math.abs(pixels[i + 1]! - 0x82) < 30 && pixels[i + 2]! > 0xd0) n++;
      return n;
    });
    assert.ok(drawn > 20, `only ${drawn} pixels of the CPU line`);
    for (const name of ['Memory %', 'Disk use per mount %', 'Load', 'Network'])
      await page.getByRole('figure', { name }).locator('canvas').waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /the newest \d+ s ago/);

    // Refresh now collects on the device; the new point joins the chart without a reload.
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await page.getByText(/^5 points/).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: /collected \d s ago$/ })
      .waitFor();
    await screenshot(page, 'device-metrics');
  });

  test('the containers tab shows state, health, restarts and use; a stop of several is held and leads to its operation page', async () => {
    await page.getByRole('link', { name: 'Containers' }).click();
    const row = (name: string) =>
      page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}\\b`) }) });
    await row('nginx').waitFor();
    assert.match((await row('nginx').textContent()) ?? '', /running/);
    assert.match((await row('nextcloud-db').textContent()) ?? '', /healthy/);
    assert.match((await row('grafana').textContent()) ?? '', /2/, 'restarts');
    assert.match((await row('old-backup').textContent()) ?? '', /exited/);
    await row('nginx').getByRole('button', { name: 'logs of nginx' }).click();
    await page.getByText('line-500').waitFor();
    await screenshot(page, 'device-containers');

    await page.getByLabel('select grafana').check();
    await page.getByLabel('select nginx').check();
    await page.getByRole('group', { name: 'Selected containers' }).getByRole('button', { name: 'stop' }).click();
    await page.waitForURL(/\/operations\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Release or cancel' }).waitFor();
    assert.match((await page.locator('pre.command-block').textContent()) ?? '', /docker stop/);
    await page.getByRole('button', { name: 'Cancel it' }).click();
    await page.getByText('cancelled', { exact: true }).waitFor();
    assert.equal(sshd.countCalls(/^docker stop/), 0, 'held, then cancelled: nothing ran');
  });

  test('every other tab of the device shows its data as a table, or says why the device has none', async () => {
    await page.goto(`${sys.apiUrl}/devices/nas01`);
    for (const [tab, heading] of [
      ['Drives', 'Drives'],
      ['ZFS', 'ZFS'],
      ['Network', 'Network'],
      ['Services', 'Services'],
      ['Updates', 'Updates'],
      ['Guests', 'Guests'],
      ['Capabilities', 'Capabilities'],
    ]) {
      await page.getByRole('navigation', { name: 'nas01 sections' }).getByRole('link', { name: tab }).click();
      await page.getByRole('heading', { name: heading, level: 2 }).waitFor();
      await page
        .getByRole('status')
        .filter({ hasText: /^collected/ })
        .waitFor();
      assert.equal(
        await page.getByRole('alert').count(),
        0,
        `${tab}: ${await page.getByRole('alert').allTextContents()}`,
      );
    }
    await page.getByRole('navigation', { name: 'nas01 sections' }).getByRole('link', { name: 'Network' }).click();
    await page.getByRole('rowheader', { name: /^lo\b/ }).waitFor();
  });

  test('a config file edited on the device shows up in the change timeline with its diff, without a reload', async () => {
    const dir = testDir(uniqueName('watched'));
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    const file = path.join(dir, 'compose.yaml');
    writeFileSync(file, 'services:\n  web:\n    image: nginx:1.25\n    ports:\n      - "8080:80"\n', { mode: 0o644 });
    await sys.devices.create(device('watched', { monitoring_enabled: true }), owner);
    await sys.configHistory.addWatchPath('watched', dir);
    await page.goto(`${sys.apiUrl}/config`);
    const change = (type: string) => page.getByRole('article', { name: `${type} ${file} on watched` });
    await change('CREATE').waitFor({ timeout: 30_000 });
    // The first version comes from discovery; an edit is seen once inotifywait holds its watches.
    await waitFor('the watch mode to be inotify', async () => (await sys.devices.get('watched')).config_watch_mode, {
      until: (mode) => mode === 'inotify',
    });

    writeFileSync(file, 'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "8080:80"\n');
    const modified = change('MODIFY');
    await modified.waitFor({ timeout: 30_000 });
    assert.deepEqual(await modified.locator('.diff-line.del').allTextContents(), ['-    image: nginx:1.25']);
    assert.deepEqual(await modified.locator('.diff-line.add').allTextContents(), ['+    image: nginx:1.27']);
    const text = (await modified.textContent()) ?? '';
    assert.match(text, /nginx:1\.25 → nginx:1\.27/, 'the semantic change');
    assert.match(text, /MEDIUM/, 'its risk');
    assert.match(text, /Affects web/);
    await screenshot(page, 'config-timeline');
    // A rollback is held like any destructive action: the button leads to the operation's page.
    await modified.getByRole('button', { name: 'Put the previous version back' }).click();
    await page.waitForURL(/\/operations\/[0-9a-f-]{36}$/);
    assert.match((await page.locator('pre.command-block').textContent()) ?? '', /config rollback/);
    await page.getByRole('button', { name: 'Cancel it' }).click();
    await page.getByText('cancelled', { exact: true }).waitFor();

    await page.goto(`${sys.apiUrl}/devices/watched/config`);
    const fileRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(file) }) });
    assert.match((await fileRow.textContent()) ?? '', /MODIFY .* ago2versions$/, 'the newest change and two versions');
    assert.match((await page.locator('main').textContent()) ?? '', new RegExp(dir), 'the path added by hand');
    // Watch paths are added and removed from the tab.
    const extra = path.join(testDir(uniqueName('extra')), 'app.env');
    await page.getByLabel('Watch another file or directory').fill(extra);
    await page.getByRole('button', { name: 'Watch', exact: true }).click();
    await page.getByRole('button', { name: `stop watching ${extra}` }).click();
    await page.getByRole('button', { name: `stop watching ${extra}` }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: `stop watching ${dir}` }).waitFor();
  });

  test('the alerts, incidents and audit pages list what is stored; the audit filters by device and action', async () => {
    await page.goto(`${sys.apiUrl}/alerts`);
    const ghost = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'ghost' }) });
    await ghost.first().waitFor();
    assert.match((await ghost.first().textContent()) ?? '', /critical.*firing/);
    await page.getByRole('link', { name: 'Incidents' }).click();
    await page.getByText('No incident: no drive has failed and no pool has degraded.').waitFor();

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('searchbox', { name: 'Device' }).fill('nas01');
    await page.getByLabel('Action').selectOption('collect');
    await page.waitForURL(/device=nas01.*action=collect|action=collect.*device=nas01/);
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('tbody tr')];
      return (
        rows.length > 0 && rows.every((r) => r.textContent!.includes('nas01') && r.textContent!.includes('collect'))
      );
    });
    await screenshot(page, 'audit');
  });

  // ---- From here on tokens exist: the open loopback setup is over, every page needs a token.
  let agent: string;
  let person: string;
  /** A destructive command asked by the agent's token, held: its operation id. */
  const holdAsAgent = async (command: string) => {
    const res = await apiRequest(sys.apiUrl!, 'POST', '/api/devices/nas01/exec', { command }, { token: agent });
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    return res.body.operation_id as string;
  };
  const signIn = async (token: string, viewport = { width: 1280, height: 900 }) => {
    const signedIn = await (await browser.newContext({ viewport })).newPage();
    await signedIn.goto(`${sys.apiUrl}/`);
    await signedIn.getByLabel('API token').fill(token);
    await signedIn.getByRole('button', { name: 'Sign in' }).click();
    await signedIn.getByRole('heading', { name: 'Fleet' }).waitFor();
    return signedIn;
  };

  test('settings: the owner adds, imports (after a dry run), edits and removes devices, and creates tokens shown once', async () => {
    await page.goto(`${sys.apiUrl}/settings`);
    const add = page.getByRole('form', { name: 'Add a device' });
    await add.getByLabel('Hostname').fill('pi-shed');
    await add.getByLabel('Address').fill('127.0.0.1');
    await add.getByLabel('Port').fill(String(sshd.port));
    await add.getByLabel('User').fill(sshd.username);
    await add.getByLabel('Private key on the worker').fill(sshd.clientKeyPath);
    await add.getByLabel('Tags').fill('garden');
    await add.getByLabel('monitored (polled, watched)').uncheck();
    await add.getByRole('button', { name: 'Add device' }).click();
    await page.getByText('Added pi-shed; its capabilities are being detected.').waitFor();
    const row = (hostname: string) =>
      page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${hostname}\\b`) }) });
    await row('pi-shed').waitFor();

    await page
      .getByLabel('~/.ssh/config')
      .fill(
        `Host imported-1\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.username}\n  IdentityFile ${sshd.clientKeyPath}\nHost *.example\n  User nobody\n`,
      );
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await page.getByText('Would add: imported-1').waitFor();
    assert.equal(await row('imported-1').count(), 0, 'a dry run adds nothing');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Added: imported-1').waitFor();
    await row('imported-1').waitFor();

    await page.getByRole('button', { name: 'edit pi-shed' }).click();
    await page.getByRole('form', { name: 'Edit pi-shed' }).getByLabel('Tags').fill('garden, outside');
    await page.getByRole('button', { name: 'Save' }).click();
    await row('pi-shed').filter({ hasText: 'garden, outside' }).waitFor();
    assert.deepEqual((await sys.devices.get('pi-shed')).tags, ['garden', 'outside']);

    await page.getByRole('button', { name: 'remove imported-1' }).click();
    await page.getByRole('button', { name: 'Remove imported-1 (its history stays)' }).click();
    await row('imported-1').waitFor({ state: 'detached' });

    // The owner's first token ends the open setup: the owner's own (admin and confirm: a person, who may
    // then hand confirm on), shown once.
    const create = page.getByRole('form', { name: 'Create a token' });
    await create.getByLabel('Name').fill('owner');
    await create.getByLabel('read').uncheck();
    await create.getByLabel('admin').check();
    await create.getByLabel('confirm').check();
    await create.getByRole('button', { name: 'Create token' }).click();
    const ownerToken = await page.getByLabel('the new token').inputValue();
    assert.match(ownerToken, /^infra_/);
    await screenshot(page, 'settings');

    // Signed in with it, the owner makes a token for the person who releases held operations.
    await page.reload();
    await page.getByLabel('API token').fill(ownerToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Settings' }).click();
    await create.getByLabel('Name').fill('alice');
    await create.getByLabel('confirm').check();
    await create.getByRole('button', { name: 'Create token' }).click();
    person = await page.getByLabel('the new token').inputValue();
    await row('alice').filter({ hasText: 'read, confirm' }).waitFor();
  });

  test('with tokens the console asks for one, refuses a wrong one, and shows an agent no phrase and no release', async () => {
    agent = (
      await sys.tokens.create({ name: 'claude', scopes: ['read', 'operate'], expires_in_days: null }, LOCAL_OWNER)
    ).token;
    const fresh = await (await browser.newContext()).newPage();
    await fresh.goto(`${sys.apiUrl}/`);
    await fresh.getByLabel('API token').fill('infra_not-a-real-token');
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    await fresh.getByRole('alert').filter({ hasText: 'a valid API token is required' }).waitFor();
    await screenshot(fresh, 'sign-in-refused');
    await fresh.context().close();

    const id = await holdAsAgent('docker stop $(docker ps -q)');
    const asAgent = await signIn(agent);
    assert.equal(
      await asAgent.getByRole('link', { name: 'Settings' }).count(),
      0,
      'no admin pages for an operate token',
    );
    await asAgent.getByRole('link', { name: /^Operations/ }).click();
    const card = asAgent.getByRole('article').filter({ hasText: 'docker stop' });
    await card
      .getByText('A person with the confirm scope, other than the requester, releases this operation.')
      .waitFor();
    assert.equal(await card.getByRole('textbox').count(), 0, 'no phrase box for the agent');
    assert.equal(await card.locator('code.phrase').count(), 0);
    await card.getByRole('button', { name: 'Withdraw my request' }).click();
    await card.waitFor({ state: 'detached' });
    const withdrawn = await apiRequest(sys.apiUrl!, 'GET', `/api/operations/${id}`, undefined, { token: agent });
    assert.equal(withdrawn.body.state, 'cancelled');
    assert.equal(sshd.countCalls(/^docker stop/), 0);
    await asAgent.context().close();
  });

  test('a held destructive command appears in the inbox; typing its phrase there runs it on the device exactly once', async () => {
    const id = await holdAsAgent('docker stop $(docker ps -q)');
    const asPerson = await signIn(person);
    await asPerson.getByRole('link', { name: /^Operations/ }).click();
    const card = asPerson.getByRole('article').filter({ hasText: 'docker stop' });
    await card.locator('code.phrase').waitFor();
    const phrase = (await card.locator('code.phrase').textContent())!;
    assert.match(phrase, /NAS01/i);
    const text = (await card.textContent()) ?? '';
    assert.match(text, /claude/, 'who asked');
    assert.match(text, /HIGH|CRITICAL|MEDIUM/, 'the risk');
    assert.match(text, /nginx/, 'the containers it would stop');
    assert.match(text, /Safer alternatives/);
    assert.match(text, /\d+ min( \d+ s)? left|\d+ s left/, 'a countdown to expiry');
    assert.match(
      (await asPerson.getByRole('link', { name: /^Operations/ }).textContent()) ?? '',
      /1/,
      'the held count in the menu',
    );
    await screenshot(asPerson, 'operations-inbox');

    const confirm = card.getByRole('button', { name: 'Confirm and run' });
    assert.equal(await confirm.isDisabled(), true, 'not before the phrase is typed');
    await card.getByRole('textbox').pressSequentially(phrase);
    await confirm.click();
    await asPerson.waitForURL(`**/operations/${id}`);
    await asPerson.getByRole('heading', { name: 'Result' }).waitFor();
    assert.match((await asPerson.locator('main').textContent()) ?? '', /Exit code 0/);
    assert.equal(sshd.countCalls(/^docker stop/), 1, 'ran exactly once');
    await screenshot(asPerson, 'operation-released');
    await asPerson.goto(`${sys.apiUrl}/operations`);
    await asPerson.getByText('Nothing is waiting for a confirmation phrase.').waitFor();
    assert.equal(sshd.countCalls(/^docker stop/), 1);
    await asPerson.context().close();
  });

  test('keyboard only: Tab and Enter lead from the fleet page to the confirm box and release the operation', async () => {
    const id = await holdAsAgent('docker restart $(docker ps -q)');
    const asPerson = await signIn(person);
    const focused = () =>
      asPerson.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return {
          tag: el?.tagName ?? '',
          text: el?.textContent?.trim() ?? '',
          label: el?.getAttribute('placeholder') ?? '',
        };
      });
    /** Presses Tab until `wanted` holds for the focused element (a bounded number of times). */
    const tabTo = async (wanted: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string) => {
      for (let i = 0; i < 40; i++) {
        await asPerson.keyboard.press('Tab');
        if (wanted(await focused())) return;
      }
      assert.fail(`Tab never reached ${what}`);
    };
    await tabTo((f) => f.tag === 'A' && f.text.startsWith('Operations'), 'the Operations link');
    await asPerson.keyboard.press('Enter');
    await asPerson.getByRole('heading', { name: 'Held for confirmation' }).waitFor();
    await tabTo((f) => f.tag === 'INPUT' && f.label === 'confirmation phrase', 'the phrase box');
    const phrase = (await asPerson.locator('code.phrase').textContent())!;
    await asPerson.keyboard.type(phrase);
    await tabTo((f) => f.tag === 'BUTTON' && f.text === 'Confirm and run', 'the confirm button');
    await asPerson.keyboard.press('Enter');
    await asPerson.waitForURL(`**/operations/${id}`);
    await asPerson.getByRole('heading', { name: 'Result' }).waitFor();
    assert.equal(sshd.countCalls(/^docker restart/), 1);
    await screenshot(asPerson, 'keyboard-released');
    await asPerson.context().close();
  });
});
