import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { apiClient } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';
import { ownerContext } from '../../services/device-service.ts';

const COMPOSE_V1 = 'services:\n  web:\n    image: nginx:1.25\n    ports:\n      - "8080:80"\n';
const COMPOSE_V2 = 'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "8080:80"\n';
const COMPOSE_V3 = 'services:\n  web:\n    image: nginx:1.27\n';

describe('config watching: real inotifywait over the real sshd, PostgreSQL and Temporal', () => {
  let sshd: TestSshd;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;
  let dir: string;
  const file = () => path.join(dir, 'docker-compose.yml');

  const versions = (p: string) =>
    sys.db
      .selectFrom('config_snapshots')
      .select(['id', 'change_type', 'content_sha256', 'content', 'detected_at'])
      .where('hostname', '=', 'watched')
      .where('path', '=', p)
      .orderBy('id')
      .execute();
  /** Polls until `predicate` holds for the file's versions (bounded), then answers them. */
  const waitForVersions = (
    p: string,
    predicate: (v: Awaited<ReturnType<typeof versions>>) => boolean,
    timeoutMs = 20_000,
  ) => waitFor(`versions of ${p}`, () => versions(p), { until: predicate, timeoutMs });
  const http = apiClient(() => sys.apiUrl!);
  /** Writes `content` and waits (a few seconds at most) for the version it makes: how long after the write (the file's mtime) it was detected. */
  const writeAndTimeDetection = async (p: string, content: string) => {
    const known = (await versions(p)).length;
    writeFileSync(p, content, { mode: 0o644 });
    const writtenAt = statSync(p).mtime.getTime();
    const all = await waitForVersions(p, (v) => v.length > known, 5_000);
    return all.at(-1)!.detected_at.getTime() - writtenAt;
  };
  const watcher = () => sys.client.workflow.getHandle(sys.watchers.workflowId('watched'));
  const watchActivitiesStarted = async () =>
    ((await watcher().fetchHistory()).events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'watchConfigFiles',
    ).length;
  const firstCaptureOf = async (snapshotId: string) =>
    (
      await sys.db
        .selectFrom('config_change_events')
        .select('first_capture')
        .where('snapshot_id', '=', snapshotId)
        .executeTakeFirstOrThrow()
    ).first_capture;
  const watchMode = async () =>
    (
      await sys.db
        .selectFrom('devices')
        .select('config_watch_mode')
        .where('hostname', '=', 'watched')
        .executeTakeFirst()
    )?.config_watch_mode;

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    dir = testDir(uniqueName('watched'));
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    writeFileSync(file(), COMPOSE_V1, { mode: 0o644 });
    sys = await startTestSystem({ configWatchEnabled: true });
    const created = await sys.devices.create(
      {
        hostname: 'watched',
        address: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        identity_file: sshd.clientKeyPath,
        auth_method: 'key',
        device_type: 'linux',
        tags: [],
        location: null,
        description: null,
        monitoring_enabled: true,
      },
      ownerContext('api'),
    );
    assert.ok(created.id);
    await sys.configHistory.addWatchPath('watched', dir);
  });
  after(async () => {
    await sys?.devices.remove('watched', ownerContext('api')).catch(() => undefined);
    await sys?.client.workflow
      .getHandle(sys.watchers.workflowId('watched'))
      .result()
      .catch(() => undefined);
    await sys?.stop();
    await sshd?.stop();
  });

  test('an existing file is stored as its first version, and the device says it is watched by inotify', async () => {
    const [first] = await waitForVersions(file(), (v) => v.length >= 1);
    assert.equal(first!.change_type, 'CREATE');
    assert.equal(first!.content, COMPOSE_V1);
    assert.equal(await firstCaptureOf(first!.id), true, 'already there when watching began: no change');
    await waitFor('the watch mode to be inotify', watchMode, {
      until: (mode) => mode === 'inotify',
      timeoutMs: 10_000,
    });
  });

  test('a modification is stored with its semantic change and impact; rewriting the same bytes stores nothing', async () => {
    writeFileSync(file(), COMPOSE_V2);
    const all = await waitForVersions(file(), (v) => v.length >= 2);
    assert.equal(all[1]!.change_type, 'MODIFY');
    const event = await sys.db
      .selectFrom('config_change_events')
      .selectAll()
      .where('snapshot_id', '=', all[1]!.id)
      .executeTakeFirstOrThrow();
    assert.match(JSON.stringify(event.semantic_changes), /nginx:1\.25 → nginx:1\.27/);
    assert.equal(event.risk_level, 'MEDIUM');
    assert.deepEqual(event.affected_services, ['web']);
    assert.match(event.diff, /^-    image: nginx:1\.25$/m);

    writeFileSync(file(), COMPOSE_V2);
    // Changes are captured one at a time in the order seen: once a file written afterwards is stored, the rewrite was handled.
    const sentinel = path.join(dir, 'after-rewrite.conf');
    writeFileSync(sentinel, 'sentinel\n', { mode: 0o644 });
    await waitForVersions(sentinel, (v) => v.length >= 1);
    assert.equal((await versions(file())).length, 2, 'same content, no new version');
    rmSync(sentinel);
    await waitForVersions(sentinel, (v) => v.length >= 2);
  });

  test('an editor-style save (write a temp file, rename it over) is a modification', async () => {
    const tmp = path.join(dir, '.docker-compose.yml.swp');
    writeFileSync(tmp, COMPOSE_V3);
    renameSync(tmp, file());
    const all = await waitForVersions(file(), (v) => v.length >= 3);
    assert.equal(all[2]!.change_type, 'MODIFY');
    assert.equal(all[2]!.content, COMPOSE_V3);
    assert.equal((await versions(tmp)).length, 0, 'editor temp files are not watched');
  });

  test('a file created while watched is a CREATE that is a change, unlike the first capture', async () => {
    const created = path.join(dir, 'compose.prod.yml');
    writeFileSync(created, COMPOSE_V3, { mode: 0o644 });
    const [version] = await waitForVersions(created, (v) => v.length >= 1);
    assert.equal(version!.change_type, 'CREATE');
    assert.equal(await firstCaptureOf(version!.id), false);
    rmSync(created);
    await waitForVersions(created, (v) => v.length >= 2);
  });

  test('a file moved in is a MOVE, a deleted one a DELETE', async () => {
    const outside = testDir(uniqueName('outside.yml'));
    writeFileSync(outside, COMPOSE_V1, { mode: 0o644 });
    const movedIn = path.join(dir, 'compose.override.yml');
    execFileSync('mv', [outside, movedIn]);
    const [moved] = await waitForVersions(movedIn, (v) => v.length >= 1);
    assert.equal(moved!.change_type, 'MOVE');
    rmSync(movedIn);
    const after = await waitForVersions(movedIn, (v) => v.length >= 2);
    assert.equal(after[1]!.change_type, 'DELETE');
    assert.equal(after[1]!.content, null);
  });

  test('a change made while the watch connection is down is captured after it reconnects', async () => {
    // Kill every session of the device user: the watcher's connection with its inotifywait goes down.
    execFileSync('pkill', ['-KILL', '-u', sshd.username, 'sshd'], { stdio: 'ignore' });
    writeFileSync(file(), COMPOSE_V1);
    const all = await waitForVersions(file(), (v) => v.length >= 4, 40_000);
    assert.equal(all[3]!.change_type, 'MODIFY');
    assert.equal(all[3]!.content, COMPOSE_V1);
  });

  test('the history reads back through the API and MCP: files, versions, diff, changes, resources', async () => {
    const get = (route: string) => http('GET', route);
    const files = await get('/api/devices/watched/config/files');
    assert.equal(files.status, 200);
    assert.equal(files.body.watch.mode, 'inotify');
    assert.deepEqual(
      files.body.user_paths.map((p: { path: string }) => p.path),
      [dir],
    );
    const compose = files.body.files.find((f: { path: string }) => f.path === file());
    assert.equal(compose.kind, 'compose');
    assert.equal(compose.versions, 4);

    const history = await get(`/api/devices/watched/config/history?path=${encodeURIComponent(file())}`);
    assert.deepEqual(
      history.body.versions.map((v: { change_type: string }) => v.change_type),
      ['MODIFY', 'MODIFY', 'MODIFY', 'CREATE'],
    );
    const [newest, , , first] = history.body.versions;
    const diff = await get(`/api/config/diff?from=${first.snapshot_id}&to=${newest.snapshot_id}`);
    assert.equal(diff.body.diff, '', "the newest version has the first one's content again");
    const middle = history.body.versions[2];
    const imageDiff = await get(`/api/config/diff?from=${first.snapshot_id}&to=${middle.snapshot_id}`);
    assert.deepEqual(
      imageDiff.body.semantic_changes.map((c: { description: string }) => c.description),
      ['service web: image nginx:1.25 → nginx:1.27'],
    );
    const snapshot = await get(`/api/config/snapshots/${middle.snapshot_id}`);
    assert.equal(snapshot.body.content, COMPOSE_V2);
    assert.equal(snapshot.body.parsed.services[0].image, 'nginx:1.27');
    const changes = await get('/api/config/changes?device=watched&limit=500');
    assert.ok(
      changes.body.changes.some(
        (c: { path: string; change_type: string }) => c.path === file() && c.change_type === 'MODIFY',
      ),
    );
    assert.equal((await get('/api/devices/watched/config/history?path=relative/path')).status, 400);
    assert.equal((await get('/api/config/diff?from=1&to=x')).status, 400);

    const client = new Client({ name: 'config-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(sys.mcpUrl!)));
    try {
      const text = (r: Awaited<ReturnType<typeof client.callTool>>) =>
        JSON.parse((r.content as Array<{ text: string }>)[0]!.text);
      const mcpHistory = text(
        await client.callTool({ name: 'config_history', arguments: { device: 'watched', path: file() } }),
      );
      assert.equal(mcpHistory.versions.length, 4);
      const mcpDiff = text(
        await client.callTool({ name: 'config_diff', arguments: { from: first.snapshot_id, to: middle.snapshot_id } }),
      );
      assert.match(mcpDiff.diff, /^\+    image: nginx:1\.27$/m);
      const resource = await client.readResource({ uri: 'config://docker-compose/watched' });
      const current = JSON.parse((resource.contents[0] as { text: string }).text);
      assert.ok(
        current.files.some(
          (f: { path: string; parsed: { services: Array<{ name: string }> } }) =>
            f.path === file() && f.parsed.services[0]!.name === 'web',
        ),
      );
      const recent = await client.readResource({ uri: 'config://changes' });
      assert.ok(JSON.parse((recent.contents[0] as { text: string }).text).changes.length > 0);
      const templates = await client.listResourceTemplates();
      const configTemplates = templates.resourceTemplates
        .map((t) => t.uriTemplate)
        .filter((u) => u.startsWith('config://'))
        .sort();
      assert.deepEqual(configTemplates, ['config://docker-compose/{device}', 'config://proxy-configs/{device}']);
    } finally {
      await client.close();
    }
  });

  test('secrets in a watched file are hidden in versions, diffs and changes; an admin may read the raw bytes', async () => {
    const stack = path.join(dir, 'secrets-compose.yml');
    const withSecret = (token: string) =>
      `services:\n  dns:\n    image: traefik:3\n    environment:\n      CF_DNS_API_TOKEN: ${token}\n      TZ: UTC\n`;
    writeFileSync(stack, withSecret('first-s3cret-9Zq3x'), { mode: 0o644 });
    await waitForVersions(stack, (v) => v.length >= 1);
    writeFileSync(stack, withSecret('second-s3cret-7Yh2w'));
    const [v1, v2] = await waitForVersions(stack, (v) => v.length >= 2);
    const get = (route: string) => http('GET', route);
    const secretFree = (text: string) => !text.includes('first-s3cret') && !text.includes('second-s3cret');
    const shown = await get(`/api/config/snapshots/${v2!.id}`);
    assert.equal(shown.status, 200);
    assert.ok(secretFree(shown.text), shown.text);
    assert.match(JSON.parse(shown.text).content, /CF_DNS_API_TOKEN: «redacted»\n {6}TZ: UTC/);
    const diff = await get(`/api/config/diff?from=${v1!.id}&to=${v2!.id}`);
    assert.ok(secretFree(diff.text), diff.text);
    assert.match(JSON.parse(diff.text).diff, /^\+ {6}CF_DNS_API_TOKEN: «redacted: value changed»$/m);
    const changes = await get('/api/config/changes?device=watched&include_diff=true&limit=500');
    assert.ok(changes.text.includes('secrets-compose.yml') && secretFree(changes.text));
    // The local owner (no tokens here) has every scope, admin included.
    const raw = await get(`/api/config/snapshots/${v2!.id}?raw=true`);
    assert.match(JSON.parse(raw.text).content, /CF_DNS_API_TOKEN: second-s3cret-7Yh2w/);
  });

  test('a path added is watched when the answer comes: a file written right after is stored, detected within 1 s of the write', async () => {
    const runBefore = (await watcher().describe()).runId;
    const added = testDir(uniqueName('added'));
    mkdirSync(added, { recursive: true });
    chmodSync(added, 0o755);
    const res = await http('POST', '/api/devices/watched/config/watch-paths', { path: added });
    assert.equal(res.status, 201);
    assert.equal(res.body.watch.mode, 'inotify');
    const lag = await writeAndTimeDetection(path.join(added, 'compose.yaml'), COMPOSE_V1);
    process.stderr.write(`# config-watch: detected ${lag} ms after the write that followed the add answer\n`);
    assert.ok(lag <= 1_000, `detected ${lag} ms after the write`);
    assert.equal(
      (await watcher().describe()).runId,
      runBefore,
      'the watcher kept its run: the new watch replaced the old one in place',
    );
  });

  test('adding a path already watched starts no watch; removing one leaves no blind window for the rest', async () => {
    const runBefore = (await watcher().describe()).runId;
    const started = await watchActivitiesStarted();
    const again = await http('POST', '/api/devices/watched/config/watch-paths', { path: dir });
    assert.equal(again.status, 201);
    assert.equal(await watchActivitiesStarted(), started, 'no new watch for a path already watched');

    const added = (await sys.configHistory.files('watched')).user_paths.map((p) => p.path).find((p) => p !== dir)!;
    const removed = await http('DELETE', `/api/devices/watched/config/watch-paths?path=${encodeURIComponent(added)}`);
    assert.equal(removed.status, 200);
    assert.equal(await watchActivitiesStarted(), started + 1, 'one new watch, without the removed path');
    const lag = await writeAndTimeDetection(file(), COMPOSE_V2);
    assert.ok(lag <= 1_000, `a change right after the removal answer detected ${lag} ms after the write`);
    assert.equal((await watcher().describe()).runId, runBefore);
  });

  test('removing the device stops the watcher and leaves no inotifywait behind', async () => {
    await sys.devices.remove('watched', ownerContext('api'));
    await sys.client.workflow.getHandle(sys.watchers.workflowId('watched')).result();
    const running = () => {
      try {
        return execFileSync('pgrep', ['-f', `inotifywait.*${dir}`], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    };
    await waitFor(`no inotifywait left watching ${dir}`, running, { until: (pids) => pids === '', timeoutMs: 10_000 });
    const history = await sys.db
      .selectFrom('config_snapshots')
      .select('id')
      .where('hostname', '=', 'watched')
      .execute();
    assert.ok(history.length >= 7, 'history outlives the device');
  });
});
