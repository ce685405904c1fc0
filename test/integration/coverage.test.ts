import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { updatesCollector } from '../../domain/collectors/updates.ts';
import type { RunningSystem } from '../../app/system.ts';
import { fixtureReader, fixtureToolScript, fixtureUrl } from '../support/collector-fixtures.ts';
import { apiClient } from '../support/http.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

const LOG = '"$INFRA_TEST_EXEC_LOG"';

/** smartctl, zpool, zfs and apt on the test device, answering what real ones printed on other machines. */
function installStorageStandIns(sshd: TestSshd, zfsFixture = 'debian12-zfs22-raidz2-resilver.txt'): void {
  sshd.standIn(
    'smartctl',
    fixtureToolScript({
      name: 'smartctl',
      fixturePath: fileURLToPath(fixtureUrl('drives', 'debian11-failing.txt')),
      logTo: LOG,
      cases: [
        "--version) echo 'smartctl 7.2 2020-12-30 r5155 [x86_64-linux-5.10.0-32-amd64] (local build)'; exit 0 ;;",
        '--scan-open) section=scan ;;',
        "'-a -j -n standby -d sat /dev/sda') section=drive-0 ;;",
        "'-a -j -n standby -d sat /dev/sdb') section=drive-1 ;;",
        "'-a -j -n standby -d scsi /dev/sdc') section=drive-2 ;;",
      ],
    }),
  );
  const zfsFixturePath = fileURLToPath(fixtureUrl('zfs', zfsFixture));
  sshd.standIn(
    'zpool',
    fixtureToolScript({
      name: 'zpool',
      fixturePath: zfsFixturePath,
      logTo: LOG,
      keepBlankLines: true,
      cases: ["'list '*) section=pools ;;", "'status '*) section=status ;;"],
    }),
  );
  sshd.standIn(
    'zfs',
    fixtureToolScript({
      name: 'zfs',
      fixturePath: zfsFixturePath,
      logTo: LOG,
      keepBlankLines: true,
      cases: [
        "*'-t snapshot '*) section=snapshots ;;",
        "*'-t filesystem,volume '*) section=datasets ;;",
        "'snapshot '*) exit 0 ;;",
      ],
    }),
  );
  sshd.standIn(
    'apt',
    fixtureToolScript({
      name: 'apt',
      fixturePath: fileURLToPath(fixtureUrl('updates', 'debian12-security-reboot.txt')),
      logTo: LOG,
      cases: ["'list --upgradable') section=apt ;;"],
    }),
  );
}

describe('drives, ZFS and updates through the real sshd, PostgreSQL and Temporal', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let api: string;

  const http = apiClient(() => api);

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installStorageStandIns(sshd);
    sys = await startTestSystem();
    api = sys.apiUrl!;
    const res = await http('POST', '/api/devices', {
      hostname: 'nas',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
    });
    assert.equal(res.status, 201);
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('drives: a failing and two warning drives, in one round-trip, failed first', async () => {
    const res = await http('GET', '/api/devices/nas/drives');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const data = res.body.data;
    assert.equal(data.smartctl_available, true);
    assert.deepEqual(data.summary, { total: 3, passed: 0, warning: 2, failed: 1, unknown: 0 });
    assert.equal(data.drives[0].verdict, 'failed');
    assert.match(data.problems[0], /FAIL/i);
    assert.equal(sshd.countCalls(/^smartctl -a -j/), 3);
    const device = await http('GET', '/api/devices/nas');
    assert.equal(device.body.capabilities.smartctl, true);
    const history = await http(
      'GET',
      `/api/devices/nas/drives?since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`,
    );
    assert.equal(history.body.count, 1);
    assert.equal(history.body.series[0].drives_failed, 1);
  });

  test('zfs: a DEGRADED pool is unmistakable, and a snapshot of a real dataset is taken and audited', async () => {
    const res = await http('GET', '/api/devices/nas/zfs');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const data = res.body.data;
    assert.equal(data.zfs_available, true);
    assert.ok(data.summary.degraded_or_worse >= 1);
    assert.match(data.problems[0], /^pool tank is DEGRADED: .*FAULTED.*resilver 18\.49% done/);

    const snap = await http('POST', '/api/devices/nas/zfs/snapshots', {
      dataset: 'tank/backups',
      name: 'before-upgrade',
    });
    assert.equal(snap.status, 201, JSON.stringify(snap.body));
    assert.equal(snap.body.snapshot, 'tank/backups@before-upgrade');
    assert.equal(sshd.countCalls(/^zfs snapshot tank\/backups@before-upgrade$/), 1);
    const op = await http('GET', `/api/operations/${snap.body.operation_id}`);
    assert.equal(op.body.command, "zfs snapshot 'tank/backups@before-upgrade'");

    const unknown = await http('POST', '/api/devices/nas/zfs/snapshots', { dataset: 'tank/nope', name: 'x' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'unknown_dataset');
    const invalid = await http('POST', '/api/devices/nas/zfs/snapshots', {
      dataset: 'tank/backups',
      name: 'a b;reboot',
    });
    assert.equal(invalid.status, 400);
    assert.equal(sshd.countCalls(/^zfs snapshot/), 1, 'refused requests ran nothing');
  });

  test('updates: counted from what apt already knows, security first, without refreshing the lists', async () => {
    const res = await http('GET', '/api/devices/nas/updates');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const recorded = updatesCollector.parse(
      { stdout: fixtureReader('updates')('debian12-security-reboot.txt'), stderr: '', exitCode: 0 },
      {},
    );
    assert.equal(res.body.data.package_manager, 'apt');
    assert.equal(res.body.data.upgradable, recorded.upgradable);
    assert.equal(res.body.data.security, recorded.security);
    assert.ok(recorded.upgradable > 0 && (recorded.security ?? 0) > 0);
    assert.equal(res.body.data.packages[0].security, true);
    assert.equal(sshd.countCalls(/^apt (update|upgrade)/), 0);
  });

  test('a truncated answer is a classified parse error on the audit row, never an empty "healthy"', async () => {
    installStorageStandIns(sshd, 'truncated.txt');
    const res = await http('GET', '/api/devices/nas/zfs?force_refresh=true');
    assert.equal(res.status, 502, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'parse_error');
    const audit = await sys.db
      .selectFrom('audit_log')
      .select(['status', 'error_code'])
      .where('hostname', '=', 'nas')
      .where('action', '=', 'collect')
      .where('data_type', '=', 'zfs')
      .orderBy('time', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual(audit, { status: 'error', error_code: 'parse_error' });
    installStorageStandIns(sshd);
  });
});
