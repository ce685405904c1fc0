import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningSystem } from '../../app/system.ts';
import { DeviceCreate } from '../../schema/device.ts';
import { ownerContext } from '../../services/device-service.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { installComposeStandIn } from '../support/compose-stand-in.ts';
import { freePort } from '../support/ports.ts';
import { devicePasswdEntry, startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/**
 * The console's Stacks tab in a real Chromium against the real stack: dock is a real sshd whose `docker`
 * keeps containers and images across calls and whose `docker compose config` is the real Compose binary
 * (tag `broken` never comes up). One stack and one browser for the file; the tests run in order.
 */
describe('web console: compose stacks', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let browser: Browser;
  let page: Page;
  let stacksDir: string;
  let webPort: number;
  const owner = ownerContext('api');

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installComposeStandIn(sshd);
    stacksDir = path.join(path.dirname(sshd.binDir), 'stacks');
    mkdirSync(stacksDir, { recursive: true });
    const { uid, gid } = devicePasswdEntry();
    chownSync(stacksDir, uid, gid);
    webPort = await freePort();
    sys = await startTestSystem();
    await sys.devices.create(
      DeviceCreate.parse({
        hostname: 'dock',
        address: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        identity_file: sshd.clientKeyPath,
        auth_method: 'key',
        monitoring_enabled: false,
      }),
      owner,
    );
    await sys.devices.update('dock', { stacks_dir: stacksDir }, owner);
    await sys.collection.read('dock', 'capabilities', { forceRefresh: true }, owner);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await sys?.stop();
    await sshd?.stop();
  });

  const whoami = () => `# whoami, for the console test
services:
  web:
    image: traefik/whoami:v1.10
    ports:
      - "${webPort}:80"
    healthcheck:
      test: ["CMD", "/whoami", "--help"]
`;
  const outcome = () => page.getByRole('status', { name: 'Outcome of the stack change' });
  const row = (name: string) =>
    page
      .getByRole('table', { name: 'Stacks' })
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name }) });

  test('a stack deployed from a pasted compose file is listed with its service, image, image id, state and port', async () => {
    await page.goto(`${sys.apiUrl}/devices/dock`);
    await page.getByRole('navigation', { name: 'dock sections' }).getByRole('link', { name: 'Stacks' }).click();
    await page.getByText('No compose stack on dock.').waitFor();
    const form = page.getByRole('form', { name: 'Deploy a stack' });
    await form.getByLabel('Name').fill('whoami');
    await form.getByLabel('Compose file').fill(whoami());
    await form.getByRole('button', { name: 'Deploy' }).click();
    await outcome().getByRole('heading', { name: 'deploy whoami: completed' }).waitFor();
    assert.match((await outcome().textContent()) ?? '', /up\s*web running \(healthy\)/);
    assert.equal(readFileSync(path.join(stacksDir, 'whoami', 'compose.yaml'), 'utf8'), whoami());

    await row('whoami').waitFor();
    const listed = (await row('whoami').textContent()) ?? '';
    assert.match(
      listed,
      new RegExp(`running\\s*web traefik/whoami:v1\\.10 [0-9a-f]{12} running \\(healthy\\) .*${webPort}`),
    );
    await screenshot(page, 'stacks-deployed');
  });

  test('the detail shows the compose file and env keys only; a bad tag is reverted with its reason and logs; an unsafe tag is refused', async () => {
    writeFileSync(path.join(stacksDir, 'whoami', '.env'), 'DB_PASSWORD=hunter2\nTZ=UTC\n');
    await row('whoami').getByRole('button', { name: 'show whoami' }).click();
    const detail = page.getByRole('article', { name: 'Stack whoami' });
    // Shown since the deploy: read again, with the env file written behind the console's back.
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/devices/dock/stacks/whoami')),
      page.getByRole('button', { name: 'Read again' }).click(),
    ]);
    await detail.getByLabel('compose file').waitFor();
    assert.equal(await detail.getByLabel('compose file').textContent(), whoami());
    assert.match((await detail.getByRole('list', { name: 'env files' }).textContent()) ?? '', /\.env: DB_PASSWORD, TZ/);
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /hunter2/, 'env values never shown');

    const imageId = /[0-9a-f]{12}/.exec((await row('whoami').textContent()) ?? '')?.[0];
    assert.ok(imageId);
    const tagForm = detail.getByRole('form', { name: 'Change an image tag of whoami' });
    await tagForm.getByLabel('Service').selectOption('web');
    await tagForm.getByLabel('New tag').fill('broken');
    await tagForm.getByRole('button', { name: 'Update tag' }).click();
    await outcome().getByRole('heading', { name: 'update whoami: reverted' }).waitFor();
    const reverted = (await outcome().textContent()) ?? '';
    assert.match(
      reverted,
      /web exited with code 1; the previous file and image digests were restored and the stack runs again/,
    );
    assert.match(reverted, /Logs of the failing service.*fatal: configuration version 2 is not supported/s);
    assert.match(reverted, /-    image: traefik\/whoami:v1\.10\n\+    image: traefik\/whoami:broken/);
    assert.equal(
      readFileSync(path.join(stacksDir, 'whoami', 'compose.yaml'), 'utf8'),
      whoami(),
      'the previous file is back',
    );
    await screenshot(page, 'stacks-reverted');

    await tagForm.getByLabel('New tag').fill('1;reboot');
    await tagForm.getByRole('button', { name: 'Update tag' }).click();
    await outcome().getByRole('heading', { name: 'update whoami: refused' }).waitFor();
    assert.match((await outcome().textContent()) ?? '', /\(unsafe_name\)/);
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/devices/dock/stacks?')),
      page.getByRole('button', { name: 'Read again' }).click(),
    ]);
    assert.match(
      (await row('whoami').textContent()) ?? '',
      new RegExp(`running\\s*web \\S+ ${imageId} running`),
      'running again on the image it ran before the update',
    );
  });

  test("remove is held: the outcome links to the operation, where a person's phrase lets it take the stack away", async () => {
    const tab = page.url();
    await row('whoami').getByRole('button', { name: 'remove whoami' }).click();
    await outcome().getByText('remove whoami waits for a person to type its phrase').waitFor();
    assert.ok(existsSync(path.join(stacksDir, 'whoami')), 'nothing removed while held');
    await screenshot(page, 'stacks-remove-held');

    await outcome().getByRole('link', { name: 'open the held operation' }).click();
    await page.waitForURL(/\/operations\/[0-9a-f-]{36}$/);
    const phrase = (await page.locator('code.phrase').textContent())!;
    await page.getByPlaceholder('confirmation phrase').fill(phrase);
    await page.getByRole('button', { name: 'Confirm and run' }).click();
    await page.getByRole('heading', { name: 'Result' }).waitFor();

    // The stack workflow goes on after the released step: read the tab again until the stack is gone.
    await page.goto(tab);
    const empty = page.getByText('No compose stack on dock.');
    for (let read = 0; read < 50 && !(await empty.isVisible()); read++) {
      await Promise.all([
        page.waitForResponse((r) => r.url().includes('/api/devices/dock/stacks?')),
        page.getByRole('button', { name: 'Read again' }).click(),
      ]);
    }
    await empty.waitFor();
    assert.ok(!existsSync(path.join(stacksDir, 'whoami')), 'the stack directory is gone');
  });
});
