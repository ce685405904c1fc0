import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';
import { ownerContext } from '../../services/device-service.ts';

describe('config watching falls back to polling hashes when inotify cannot be used', () => {
  let sshd: TestSshd;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;
  let dir: string;
  const composeFile = () => path.join(dir, 'docker-compose.yml');

  const newestContent = async () =>
    (await sys.db
      .selectFrom('config_snapshots')
      .select(['content', 'change_type'])
      .where('path', '=', composeFile())
      .orderBy('id', 'desc')
      .executeTakeFirst()) ?? null;

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    // What inotifywait prints on a NAS whose fs.inotify.max_user_watches is exhausted.
    sshd.standIn(
      'inotifywait',
      '#!/bin/sh\necho \'Setting up watches.\' >&2\necho "Failed to watch $(eval echo \\${$#}); upper limit on inotify watches reached!" >&2\necho "Please increase the amount of inotify watches allowed per user via \\`/proc/sys/fs/inotify/max_user_watches\'." >&2\nexit 1\n',
    );
    dir = testDir(uniqueName('stack'));
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    writeFileSync(composeFile(), 'services:\n  backup:\n    image: restic/restic:0.16.4\n', { mode: 0o644 });
    sys = await startTestSystem({ configWatchEnabled: true, watchSettings: { pollIntervalMs: 300 } });
    await sys.devices.create(
      {
        hostname: 'nas-limited',
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
    await sys.configHistory.addWatchPath('nas-limited', dir);
  });
  after(async () => {
    await sys?.devices.remove('nas-limited', ownerContext('api')).catch(() => undefined);
    await sys?.client.workflow
      .getHandle(sys.watchers.workflowId('nas-limited'))
      .result()
      .catch(() => undefined);
    await sys?.stop();
    await sshd?.stop();
  });

  test('the device states polling and why, and changes are still captured', async () => {
    const device = await waitFor(
      'the watch mode to be polling',
      () =>
        sys.db
          .selectFrom('devices')
          .select(['config_watch_mode', 'config_watch_detail'])
          .where('hostname', '=', 'nas-limited')
          .executeTakeFirstOrThrow(),
      { until: (d) => d.config_watch_mode === 'polling' },
    );
    assert.match(device.config_watch_detail ?? '', /watch limit reached/);
    await waitFor('the first version', newestContent, { until: (v) => v?.change_type === 'CREATE' });

    writeFileSync(composeFile(), 'services:\n  backup:\n    image: restic/restic:0.17.3\n');
    const changed = await waitFor('the modified version', newestContent, { until: (v) => v?.change_type === 'MODIFY' });
    assert.match(changed!.content ?? '', /0\.17\.3/);
    const events = () =>
      sys.db
        .selectFrom('config_change_events')
        .selectAll()
        .where('hostname', '=', 'nas-limited')
        .orderBy('id')
        .execute();
    const [first, modified] = (await events()).filter((e) => e.path === composeFile());
    assert.deepEqual(
      [first?.change_type, first?.first_capture, modified?.change_type, modified?.first_capture],
      ['CREATE', true, 'MODIFY', false],
    );
    assert.match(
      JSON.stringify(modified?.semantic_changes),
      /service backup: image restic\/restic:0\.16\.4 → restic\/restic:0\.17\.3/,
    );

    // A file that appears between two polls was created while watched: a change, not a first capture.
    writeFileSync(path.join(dir, 'compose.override.yml'), 'services:\n  backup:\n    environment:\n      - TZ=UTC\n', {
      mode: 0o644,
    });
    const created = await waitFor('the created file', async () =>
      (await events()).find((e) => e.path.endsWith('compose.override.yml')),
    );
    assert.deepEqual([created?.change_type, created?.first_capture], ['CREATE', false]);
  });
});
