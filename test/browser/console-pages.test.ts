import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { renderProxyConf } from '../../domain/proxy/proxy-conf-template.ts';
import { startFleet, type Fleet } from '../../simulator/simulator.ts';
import type { RunningSystem } from '../../app/system.ts';
import { LOCAL_OWNER } from '../../schema/api-token.ts';
import { ProxyConfRequest } from '../../schema/proxy-conf.ts';
import { AlertService } from '../../services/alert-service.ts';
import { ownerContext } from '../../services/device-service.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { installNginxStandIn, type NginxStandIn } from '../support/nginx-stand-in.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/**
 * The console's Proxy tab, device tabs by capability, and alert rules and channels, in a real Chromium
 * against the real stack: nas01 is a real sshd with the docker and SWAG-like nginx stand-ins, the
 * router is a device of the fleet simulator (no docker, no systemd, no SMART, no ZFS). One stack and
 * one browser for the file; the tests run in order and the last one creates tokens.
 */
describe('web console: proxy confs, tabs by capability, alert settings', () => {
  let sshd: TestSshd;
  let proxy: NginxStandIn;
  let fleet: Fleet;
  let sys: RunningSystem;
  let browser: Browser;
  let page: Page;
  let alerts: AlertService;
  const owner = ownerContext('api');

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    proxy = installNginxStandIn(sshd);
    fleet = await startFleet({ count: 5, seed: 3, host: '127.0.0.1', firstPort: 0, dir: testDir(uniqueName('fleet')) });
    sys = await startTestSystem();
    alerts = new AlertService(sys.store);
    const base = {
      auth_method: 'key' as const,
      device_type: 'linux' as const,
      tags: [],
      location: null,
      description: null,
      monitoring_enabled: false,
    };
    await sys.devices.create(
      {
        ...base,
        hostname: 'nas01',
        address: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        identity_file: sshd.clientKeyPath,
      },
      owner,
    );
    const router = fleet.devices.find((d) => d.profile.role === 'router')!;
    await sys.devices.create(
      {
        ...base,
        hostname: router.hostname,
        address: router.address,
        port: router.port,
        username: fleet.username,
        identity_file: fleet.clientKeyPath,
      },
      owner,
    );
    for (const hostname of ['nas01', router.hostname])
      await sys.collection.read(hostname, 'capabilities', { forceRefresh: true }, owner);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await sys?.stop();
    await fleet?.stop();
    await sshd?.stop();
  });

  const tabsOf = async (hostname: string) => {
    await page.goto(`${sys.apiUrl}/devices/${hostname}`);
    const nav = page.getByRole('navigation', { name: `${hostname} sections` });
    await nav.waitFor();
    return nav.getByRole('link').allTextContents();
  };

  test('a device shows only the tabs its capabilities allow: no Containers, Stacks or Proxy tab without docker', async () => {
    const router = fleet.devices.find((d) => d.profile.role === 'router')!;
    assert.deepEqual(router.profile.capabilities.docker, false);
    assert.deepEqual(await tabsOf(router.hostname), ['Metrics', 'Network', 'Updates', 'Capabilities', 'Config']);
    await screenshot(page, 'device-tabs-router');
    await page.goto(`${sys.apiUrl}/devices/${router.hostname}/containers`);
    await page
      .getByText(`${router.hostname} has no such section, or lacks what it needs (see Capabilities).`)
      .waitFor();
    // This machine has docker, but no SMART tools, ZFS, systemd as PID 1 or Proxmox.
    assert.deepEqual(await tabsOf('nas01'), [
      'Metrics',
      'Containers',
      'Stacks',
      'Proxy',
      'Network',
      'Updates',
      'Capabilities',
      'Config',
    ]);
  });

  const rendered = (fields: Record<string, unknown>) => renderProxyConf(ProxyConfRequest.parse(fields)).content;
  const confRow = (file: string) =>
    page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${file.replace(/\./g, '\\.')}`) }) });
  const form = () => page.getByRole('form', { name: 'New proxy conf' });
  const outcome = () => page.getByRole('status', { name: 'Outcome of the change' });
  /** The held operation's page, reached by the outcome's link: a person types the phrase there. */
  const releaseFromOutcome = async () => {
    await outcome().getByRole('link', { name: 'open the held operation' }).click();
    await page.waitForURL(/\/operations\/[0-9a-f-]{36}$/);
    const phrase = (await page.locator('code.phrase').textContent())!;
    await page.getByPlaceholder('confirmation phrase').fill(phrase);
    await page.getByRole('button', { name: 'Confirm and run' }).click();
    await page.getByRole('heading', { name: 'Result' }).waitFor();
  };

  test("the Proxy tab lists confs with their upstreams and flags a missing one; the form shows the API's field errors, then creates a conf and shows each step", async () => {
    // Placed by hand: a subfolder conf for a container that does not exist.
    writeFileSync(
      path.join(proxy.confDir, 'photos.subfolder.conf'),
      rendered({ name: 'photos', kind: 'subfolder', upstream_app: 'immich', upstream_port: 2283 }),
    );
    proxy.setUpstreams({ grafana: 302 });
    await page.getByRole('navigation', { name: 'nas01 sections' }).getByRole('link', { name: 'Proxy' }).click();
    await page.getByLabel('Conf directory').fill(proxy.confDir);
    await page.getByRole('button', { name: 'Look there' }).click();
    await confRow('photos.subfolder.conf').waitFor();
    assert.match((await confRow('photos.subfolder.conf').textContent()) ?? '', /\/photos.*immich:2283\s*missing/);
    const insight = page.locator('.insights li').filter({ hasText: 'photos.subfolder.conf' });
    assert.match(
      (await insight.textContent()) ?? '',
      /warning.*proxies to immich:2283, but no container immich exists/,
    );

    // Nothing checked in the browser: the API's 400 names the fields.
    await form().getByLabel('App name').fill('grafana');
    await form().getByLabel('Container').fill('graf;ana');
    await form().getByRole('button', { name: 'Create conf' }).click();
    await form().locator('.field-error').first().waitFor();
    assert.equal(await form().getByLabel('Container').getAttribute('aria-invalid'), 'true');
    assert.equal(await form().getByLabel('Port').getAttribute('aria-invalid'), 'true');
    assert.equal(await form().getByLabel('App name').getAttribute('aria-invalid'), null);
    assert.equal(
      await form().locator('.field-error').count(),
      2,
      await form().locator('.field-error').allTextContents().then(String),
    );
    await screenshot(page, 'proxy-field-errors');
    assert.equal(existsSync(path.join(proxy.confDir, 'grafana.subdomain.conf')), false);

    await form().getByLabel('Container').fill('grafana');
    await form().getByLabel('Port').fill('3000');
    await form().getByLabel('WebSockets').check();
    await form().getByRole('button', { name: 'Create conf' }).click();
    await outcome()
      .getByRole('heading', { name: /grafana\.subdomain\.conf: completed/ })
      .waitFor();
    const steps = (await outcome().textContent()) ?? '';
    assert.match(steps, /Validated\s*ok\s*nginx -t.*syntax is ok/s);
    assert.match(steps, /Reloaded\s*ok\s*nginx -s reload/);
    assert.match(steps, /Answered\s*yes\s*answered 302\s*\(https:\/\/127\.0\.0\.1\/, Host grafana\.localhost\)/);
    await confRow('grafana.subdomain.conf').waitFor();
    assert.match((await confRow('grafana.subdomain.conf').textContent()) ?? '', /grafana\.\*.*grafana:3000\s*running/);
    assert.equal(await form().getByLabel('App name').inputValue(), '', 'the form is cleared for the next one');
    await page.getByRole('list', { name: 'Proxy conf changes' }).getByText('grafana.subdomain.conf').waitFor();
    await screenshot(page, 'proxy-created');
  });

  test("replacing a conf is held: the link leads to the phrase; once released, nginx -t fails and the tab shows it reverted with nginx's words", async () => {
    const tab = page.url();
    await form().getByLabel('App name').fill('grafana');
    await form().getByLabel('Container').fill('grafana');
    await form().getByLabel('Port').fill('3000');
    await form().getByLabel('Auth').selectOption('authelia');
    await form().getByRole('button', { name: 'Create conf' }).click();
    await outcome().getByText('Replacing grafana.subdomain.conf waits for a person to type its phrase').waitFor();
    assert.equal(sshd.countCalls(/^nginx -s reload$/), 1, 'nothing reloaded while held');
    await releaseFromOutcome();
    assert.match((await page.locator('pre.command-block').textContent()) ?? '', /^mv -f -- /);

    await page.goto(tab);
    const reverted = page
      .getByRole('list', { name: 'Proxy conf changes' })
      .getByRole('listitem')
      .filter({ hasText: 'reverted' });
    await reverted.waitFor();
    assert.match(
      (await reverted.textContent()) ?? '',
      /create grafana\.subdomain\.conf.*nginx: \[emerg\] open\(\) "\/config\/nginx\/authelia-server\.conf" failed \(2: No such file or directory\).*the previous conf \(version \d+\) was put back/s,
    );
    await screenshot(page, 'proxy-reverted');
  });

  test('removing a conf is held too; released, the conf is gone from the list and its removal listed as completed', async () => {
    await confRow('photos.subfolder.conf').getByRole('button', { name: 'remove photos.subfolder.conf' }).click();
    await outcome().getByText('Removing photos.subfolder.conf waits for a person to type its phrase').waitFor();
    assert.equal(existsSync(path.join(proxy.confDir, 'photos.subfolder.conf')), true);
    const tab = page.url();
    await releaseFromOutcome();
    await page.goto(tab);
    await confRow('grafana.subdomain.conf').waitFor();
    await confRow('photos.subfolder.conf').waitFor({ state: 'detached' });
    assert.equal(existsSync(path.join(proxy.confDir, 'photos.subfolder.conf')), false);
    await page
      .getByRole('list', { name: 'Proxy conf changes' })
      .getByRole('listitem')
      .filter({ hasText: /completed\s*remove photos\.subfolder\.conf/ })
      .waitFor();
    assert.equal(await page.locator('.insights li').filter({ hasText: 'photos.subfolder.conf' }).count(), 0);
  });

  test("alert rules are added (the API's field errors shown) and deleted; channels added, removed, and test-sent to a real receiver", async () => {
    await page.goto(`${sys.apiUrl}/alerts`);
    const ruleForm = page.getByRole('form', { name: 'Add an alert rule' });
    await ruleForm.getByLabel('Name').fill('devices down');
    await ruleForm.getByLabel('Source').selectOption('device_status');
    await ruleForm.getByLabel('offline').check();
    await ruleForm.getByLabel('unreachable').check();
    await ruleForm.getByLabel('For (seconds)').fill('9999999');
    await ruleForm.getByRole('button', { name: 'Add rule' }).click();
    await ruleForm.locator('.field-error').waitFor();
    assert.equal(await ruleForm.getByLabel('For (seconds)').getAttribute('aria-invalid'), 'true');
    await ruleForm.getByLabel('For (seconds)').fill('120');
    await ruleForm.getByRole('button', { name: 'Add rule' }).click();
    const rules = page.getByRole('list', { name: 'Alert rules' });
    const rule = rules.getByRole('listitem').filter({ hasText: 'devices down' });
    await rule.waitFor();
    assert.match(
      (await rule.textContent()) ?? '',
      /device_status, after 120 s, \{"states":\["offline","unreachable"\]\}/,
    );
    const stored = (await alerts.rules()).find((r) => r.name === 'devices down');
    assert.deepEqual(
      [stored?.source, stored?.for_seconds, stored?.match],
      ['device_status', 120, { states: ['offline', 'unreachable'] }],
    );

    await rule.getByRole('button', { name: 'delete devices down' }).click();
    await rule.getByRole('button', { name: 'Delete rule devices down' }).click();
    await rule.waitFor({ state: 'detached' });
    assert.equal(
      (await alerts.rules()).some((r) => r.name === 'devices down'),
      false,
    );

    const channelForm = page.getByRole('form', { name: 'Add a channel' });
    await channelForm.getByLabel('Name').fill('phone');
    await channelForm.getByLabel('Kind').selectOption('ntfy');
    await channelForm.getByLabel('URL').fill('not a url');
    await channelForm.getByRole('button', { name: 'Add channel' }).click();
    await channelForm.locator('.field-error').waitFor();
    assert.equal(await channelForm.getByLabel('URL').getAttribute('aria-invalid'), 'true');
    await channelForm.getByLabel('URL').fill('https://ntfy.example/homelab');
    await channelForm.getByLabel('Token or secret').fill('tk_secret_value');
    await channelForm.getByRole('button', { name: 'Add channel' }).click();
    const channel = page
      .getByRole('list', { name: 'Alert channels' })
      .getByRole('listitem')
      .filter({ hasText: 'phone' });
    await channel.waitFor();
    assert.match(
      (await channel.textContent()) ?? '',
      /phone\s*ntfy\s*https:\/\/ntfy\.example\/homelab \(with a secret\)/,
    );
    assert.doesNotMatch(
      (await page.locator('main').textContent()) ?? '',
      /tk_secret_value/,
      'the secret is never shown',
    );
    await channel.getByRole('button', { name: 'remove phone' }).click();
    await channel.getByRole('button', { name: 'Remove channel phone' }).click();
    await channel.waitFor({ state: 'detached' });
    assert.deepEqual(await alerts.channels(), []);

    // A test-send goes to the receiver as a real alert would, signed with the channel's secret.
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      await channelForm.getByLabel('Kind').selectOption('webhook');
      await channelForm.getByLabel('Name').fill('hook');
      await channelForm.getByLabel('URL').fill(url);
      await channelForm.getByLabel('Token or secret').fill('shared-secret');
      await channelForm.getByRole('button', { name: 'Add channel' }).click();
      await page.getByRole('button', { name: 'send a test to hook' }).click();
      await page
        .getByRole('status', { name: 'test of hook' })
        .filter({ hasText: 'delivered the receiver answered 204' })
        .waitFor();
      assert.equal(received.length, 1);
      const sent = JSON.parse(received[0]!.body) as { event: string; rule: string; message: string };
      assert.deepEqual([sent.event, sent.rule], ['alert.firing', 'test notification']);
      assert.match(sent.message, /test notification to channel hook/);
      assert.equal(
        received[0]!.headers['x-infra-signature-256'],
        `sha256=${createHmac('sha256', 'shared-secret').update(received[0]!.body).digest('hex')}`,
      );
      await screenshot(page, 'alert-settings');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
    // Nobody listens there now: the answer says why it was not delivered.
    await page.getByRole('button', { name: 'send a test to hook' }).click();
    await page
      .getByRole('status', { name: 'test of hook' })
      .filter({ hasText: /not delivered the receiver could not be reached: .*ECONNREFUSED/ })
      .waitFor();
    assert.equal(received.length, 1);
    await alerts.deleteChannel((await alerts.channels())[0]!.id);
  });

  test("alert controls follow the token's scopes: admin without confirm sees channels but cannot change them; operate sees neither controls nor channels", async () => {
    await alerts.createChannel({ name: 'pager', kind: 'webhook', url: 'https://hooks.example/infra' });
    const admin = (
      await sys.tokens.create({ name: 'admin-only', scopes: ['admin'], expires_in_days: null }, LOCAL_OWNER)
    ).token;
    const agent = (
      await sys.tokens.create({ name: 'claude', scopes: ['read', 'operate'], expires_in_days: null }, LOCAL_OWNER)
    ).token;
    const signIn = async (token: string) => {
      const signed = await (await browser.newContext()).newPage();
      await signed.goto(`${sys.apiUrl}/alerts`);
      await signed.getByLabel('API token').fill(token);
      await signed.getByRole('button', { name: 'Sign in' }).click();
      await signed.getByRole('heading', { name: 'Alerts' }).waitFor();
      return signed;
    };

    const asAdmin = await signIn(admin);
    await asAdmin.getByRole('list', { name: 'Alert channels' }).getByText('pager').waitFor();
    await asAdmin.getByText('Adding, testing or removing a channel takes the admin and confirm scopes').waitFor();
    assert.equal(await asAdmin.getByRole('button', { name: 'remove pager' }).isDisabled(), true);
    assert.equal(await asAdmin.getByRole('button', { name: 'send a test to pager' }).isDisabled(), true);
    assert.equal(
      await asAdmin
        .getByRole('form', { name: 'Add a channel' })
        .getByRole('button', { name: 'Add channel' })
        .isDisabled(),
      true,
    );
    assert.equal(
      await asAdmin
        .getByRole('form', { name: 'Add an alert rule' })
        .getByRole('button', { name: 'Add rule' })
        .isDisabled(),
      false,
      "rules are an admin's",
    );
    assert.equal(
      await asAdmin.getByRole('alert').count(),
      0,
      (await asAdmin.getByRole('alert').allTextContents()).join(),
    );
    await screenshot(asAdmin, 'alert-settings-admin-only');
    await asAdmin.context().close();

    const asAgent = await signIn(agent);
    await asAgent.getByRole('heading', { name: 'Rules' }).waitFor();
    assert.equal(
      await asAgent.getByRole('heading', { name: 'Channels' }).count(),
      0,
      'channels are read with admin only',
    );
    assert.equal(await asAgent.getByRole('form').count(), 0, 'no rule or channel form');
    assert.equal(await asAgent.getByRole('alert').count(), 0, 'nothing asked that the token would be refused');
    await asAgent.context().close();
  });
});
