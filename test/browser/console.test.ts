import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningSystem } from '../../platform/system.ts';
import { ownerContext } from '../../services/device-service.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
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
    sys = await startTestSystem();
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

    const clientRoute = await fetch(`${sys.apiUrl}/operations/6f1c0000-0000-4000-8000-000000000000`);
    assert.equal(clientRoute.status, 200);
    assert.equal(await clientRoute.text(), html, 'the PUBLIC_URL link target loads the app');
    assert.equal((await fetch(`${sys.apiUrl}/devices/nas01.lan/containers`)).status, 200, 'a dotted hostname is a client route, not a file');
    assert.equal((await fetch(`${sys.apiUrl}/assets/missing-0000.js`)).status, 404);
    const apiMiss = await fetch(`${sys.apiUrl}/api/nothing-here`);
    assert.equal(apiMiss.status, 404);
    assert.equal(((await apiMiss.json()) as { error: { code: string } }).error.code, 'not_found');
    assert.equal((await fetch(`${sys.apiUrl}/openapi.json`)).headers.get('content-type')?.startsWith('application/json'), true);
    // fetch cannot set Host; a page loaded through a rebinding DNS name sends its own.
    const foreignHost = await new Promise<number>((resolve, reject) =>
      http.get(`${sys.apiUrl}/`, { headers: { host: 'evil.example' } }, (res) => resolve(res.resume().statusCode ?? 0)).on('error', reject),
    );
    assert.equal(foreignHost, 403, 'the host check guards the console too');
    const whoami = (await (await fetch(`${sys.apiUrl}/api/whoami`)).json()) as { id: string; scopes: string[]; tokens_required: boolean };
    assert.deepEqual(whoami, { id: 'local', name: 'local owner', kind: 'local_owner', scopes: ['read', 'operate', 'confirm', 'admin'], tokens_required: false });
  });

  test('the fleet page lists every device with its figures, says why a failing one fails, filters by tag, and follows changes live', async () => {
    await page.goto(`${sys.apiUrl}/`);
    const row = (hostname: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${hostname}\\b`) }) });
    await row('nas01').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 3);
    const cpu = Number(await row('nas01').getByRole('meter', { name: 'CPU of nas01' }).getAttribute('aria-valuenow'));
    assert.ok(cpu >= 0 && cpu <= 100, `cpu ${cpu}`);
    assert.ok(Number(await row('nas01').getByRole('meter', { name: 'memory of nas01' }).getAttribute('aria-valuenow')) > 0);
    assert.ok(Number(await row('nas01').getByRole('meter', { name: 'fullest filesystem of nas01' }).getAttribute('aria-valuenow')) > 0);
    assert.match(await row('nas01').textContent() ?? '', /3\/4 running/);
    assert.match(await row('nas01').textContent() ?? '', /\d+\.\d\d \/ \d+\.\d\d \/ \d+\.\d\d/, 'load 1/5/15');
    assert.match(await row('ghost').textContent() ?? '', /auth failed/);
    assert.match(await row('ghost').textContent() ?? '', /key_missing/, 'a failing device says why');
    await screenshot(page, 'fleet');

    await page.getByLabel('Tag').selectOption('storage');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    assert.match(page.url(), /\?tag=storage$/);
    await page.getByLabel('Tag').selectOption('');

    // Live: a device added elsewhere shows up without a reload.
    await sys.devices.create(device('added-later', { tags: ['lab'] }), owner);
    await row('added-later').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 4);
  });
});
