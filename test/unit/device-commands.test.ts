import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseCommand } from '../../domain/safety/command-analysis.ts';
import { ContainerActionRequest } from '../../schema/container-action.ts';
import { GuestActionRequest, GuestActionTarget, VmidParam } from '../../schema/guest-action.ts';
import { LogWindow, UnitName } from '../../schema/log-request.ts';
import {
  containerActionCommand,
  guestActionCommand,
  unitLogsCommand,
  zfsSnapshotCommand,
} from '../../services/device-commands.ts';

const command = (request: unknown) => containerActionCommand(ContainerActionRequest.parse(request));

describe('containerActionCommand', () => {
  it('builds each action with quoted names and only the options it takes', () => {
    assert.equal(command({ action: 'start', containers: ['web'] }), "docker start 'web'");
    assert.equal(
      command({ action: 'stop', containers: ['web', 'db'], timeout_seconds: 30 }),
      "docker stop -t 30 'web' 'db'",
    );
    assert.equal(command({ action: 'restart', containers: ['web'] }), "docker restart 'web'");
    assert.equal(
      command({ action: 'remove', containers: ['web'], force: true, volumes: true }),
      "docker rm -f -v 'web'",
    );
    assert.equal(command({ action: 'remove', containers: ['web'] }), "docker rm 'web'");
    assert.equal(command({ action: 'inspect', containers: ['web', 'db'] }), "docker container inspect 'web' 'db'");
    assert.equal(command({ action: 'logs', containers: ['web'] }), "docker logs --tail 200 'web'");
    assert.equal(
      command({ action: 'logs', containers: ['web'], tail: 50, since: '2d', timestamps: true }),
      "docker logs --tail 50 --since '48h' --timestamps 'web'",
    );
    assert.equal(
      command({ action: 'logs', containers: ['web'], since: '2026-11-25T10:00:00Z' }),
      "docker logs --tail 200 --since '2026-11-25T10:00:00Z' 'web'",
    );
    assert.equal(
      command({ action: 'exec', containers: ['db'], command: "psql -c 'select 1'" }),
      `docker exec 'db' sh -c 'psql -c '\\''select 1'\\'''`,
    );
  });

  it('what it builds is judged by the protection like a typed command', () => {
    assert.equal(analyseCommand(command({ action: 'restart', containers: ['web'] })).destructive, false);
    assert.equal(analyseCommand(command({ action: 'stop', containers: ['web', 'db'] })).destructive, true);
    assert.equal(analyseCommand(command({ action: 'remove', containers: ['web'], volumes: true })).destructive, true);
    assert.equal(
      analyseCommand(command({ action: 'exec', containers: ['db'], command: 'rm -rf /var/lib/mysql' })).destructive,
      true,
    );
    assert.equal(analyseCommand(command({ action: 'logs', containers: ['web'], tail: 10 })).destructive, false);
  });

  it('refuses hostile names, misplaced options, and unbounded or multi-container logs and exec', () => {
    const invalid = (request: unknown, message: RegExp) =>
      assert.throws(() => ContainerActionRequest.parse(request), message);
    invalid({ action: 'stop', containers: ['web;reboot'] }, /container: a docker name/);
    invalid({ action: 'stop', containers: ['-rf'] }, /container: a docker name/);
    invalid({ action: 'stop', containers: [] }, /too_small|at least 1/i);
    invalid({ action: 'stop', containers: ['web'], volumes: true }, /volumes applies to remove only/);
    invalid({ action: 'logs', containers: ['a', 'b'] }, /logs takes exactly one container/);
    invalid({ action: 'logs', containers: ['a'], tail: 10_001 }, /10000|too_big/i);
    invalid({ action: 'logs', containers: ['a'], since: '$(reboot)' }, /since/);
    invalid({ action: 'exec', containers: ['a'] }, /exec needs a command/);
    invalid({ action: 'kill', containers: ['a'] }, /action/);
    invalid({ action: 'start', containers: ['a'], extra: 1 }, /extra|unrecognized/i);
  });
});

describe('unitLogsCommand and zfsSnapshotCommand', () => {
  it('journalctl always with a line bound, relative or absolute since', () => {
    assert.equal(
      unitLogsCommand('nginx.service', LogWindow.parse({})),
      "journalctl --no-pager --output=short-iso --lines=200 --unit='nginx.service'",
    );
    assert.equal(
      unitLogsCommand('getty@tty1.service', LogWindow.parse({ tail: '20', since: '15m' })),
      "journalctl --no-pager --output=short-iso --lines=20 --since '-15m' --unit='getty@tty1.service'",
    );
    assert.equal(
      unitLogsCommand('ssh', LogWindow.parse({ since: '2026-11-25T11:30:00+01:00' })),
      "journalctl --no-pager --output=short-iso --lines=200 --since '2026-11-25 10:30:00 UTC' --unit='ssh'",
    );
    assert.throws(() => UnitName.parse('x;reboot'), /unit: letters/);
    assert.throws(() => UnitName.parse('-f'), /must not start/);
    assert.throws(() => LogWindow.parse({ tail: '0' }));
  });

  it('zfs snapshot, recursive or not, quoted', () => {
    assert.equal(zfsSnapshotCommand('tank/media@before-upgrade', false), "zfs snapshot 'tank/media@before-upgrade'");
    assert.equal(zfsSnapshotCommand('tank@daily', true), "zfs snapshot -r 'tank@daily'");
    assert.equal(analyseCommand(zfsSnapshotCommand('tank@daily', true)).destructive, false);
  });
});

describe('guestActionCommand', () => {
  it('qm for VMs, pct for containers, the VMID quoted', () => {
    assert.equal(guestActionCommand({ vmid: 101, type: 'qemu', action: 'start' }), "qm start '101'");
    assert.equal(guestActionCommand({ vmid: 101, type: 'qemu', action: 'stop' }), "qm stop '101'");
    assert.equal(guestActionCommand({ vmid: 204, type: 'lxc', action: 'shutdown' }), "pct shutdown '204'");
    assert.equal(guestActionCommand({ vmid: 204, type: 'lxc', action: 'reboot' }), "pct reboot '204'");
    assert.equal(guestActionCommand({ vmid: 999_999_999, type: 'qemu', action: 'suspend' }), "qm suspend '999999999'");
    assert.equal(guestActionCommand({ vmid: 100, type: 'qemu', action: 'resume' }), "qm resume '100'");
  });

  it('what it builds is judged by the protection: start and resume run, stop/shutdown/reboot are held', () => {
    const destructive = (target: GuestActionTarget) => analyseCommand(guestActionCommand(target)).destructive;
    assert.equal(destructive({ vmid: 101, type: 'qemu', action: 'start' }), false);
    assert.equal(destructive({ vmid: 101, type: 'qemu', action: 'resume' }), false);
    assert.equal(destructive({ vmid: 101, type: 'qemu', action: 'suspend' }), false);
    for (const action of ['stop', 'shutdown', 'reboot'] as const) {
      assert.equal(destructive({ vmid: 101, type: 'qemu', action }), true, `qm ${action}`);
      assert.equal(destructive({ vmid: 204, type: 'lxc', action }), true, `pct ${action}`);
    }
    assert.deepEqual(
      analyseCommand(guestActionCommand({ vmid: 204, type: 'lxc', action: 'stop' })).findings.map((f) => f.targets),
      [['204']],
    );
  });

  it('a non-root SSH user allowed by sudo runs qm/pct through sudo -n, judged the same', () => {
    assert.equal(
      guestActionCommand({ vmid: 101, type: 'qemu', action: 'shutdown', sudo: true }),
      "sudo -n qm shutdown '101'",
    );
    assert.equal(
      analyseCommand(guestActionCommand({ vmid: 101, type: 'qemu', action: 'shutdown', sudo: true })).destructive,
      true,
    );
    assert.equal(
      analyseCommand(guestActionCommand({ vmid: 101, type: 'qemu', action: 'start', sudo: true })).destructive,
      false,
    );
  });

  it('refuses VMIDs outside 100..999999999, unknown actions and types, and suspend/resume of containers', () => {
    assert.throws(() => guestActionCommand({ vmid: 99, type: 'qemu', action: 'start' }), /vmid: 100 to 999999999/);
    assert.throws(
      () => guestActionCommand({ vmid: 1_000_000_000, type: 'qemu', action: 'start' }),
      /vmid: 100 to 999999999/,
    );
    assert.throws(() => guestActionCommand({ vmid: 101.5, type: 'qemu', action: 'start' }));
    assert.throws(() =>
      guestActionCommand({ vmid: 101, type: 'qemu', action: 'destroy' } as unknown as GuestActionTarget),
    );
    assert.throws(() =>
      guestActionCommand({ vmid: 101, type: 'qemu', action: 'stop; reboot' } as unknown as GuestActionTarget),
    );
    assert.throws(() => guestActionCommand({ vmid: 101, type: 'kvm' } as unknown as GuestActionTarget));
    assert.throws(
      () => guestActionCommand({ vmid: 204, type: 'lxc', action: 'suspend' }),
      /QEMU virtual machines only/,
    );
    assert.throws(() => guestActionCommand({ vmid: 204, type: 'lxc', action: 'resume' }), /QEMU virtual machines only/);
  });

  it('requests take a VMID and an action only; path VMIDs are digits', () => {
    assert.deepEqual(GuestActionRequest.parse({ vmid: 101, action: 'shutdown' }), { vmid: 101, action: 'shutdown' });
    assert.throws(
      () => GuestActionRequest.parse({ vmid: 101, action: 'shutdown', type: 'qemu' }),
      /type|unrecognized/i,
    );
    assert.throws(() => GuestActionRequest.parse({ vmid: '101', action: 'start' }));
    assert.throws(() => GuestActionRequest.parse({ vmid: 101, action: 'migrate' }));
    assert.equal(VmidParam.parse('101'), 101);
    for (const bad of ['1e3', ' 101', '0x65', '-101', '99', '1000000000', ''])
      assert.throws(() => VmidParam.parse(bad), bad);
  });
});
