import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drivesCollector } from '../../domain/collectors/drives/index.ts';
import { zfsCollector } from '../../domain/collectors/zfs/index.ts';
import {
  composeServices,
  DependencyCycleError,
  parseDependsOnLabel,
  restartOrder,
  startOrder,
} from '../../domain/compose/dependency-order.ts';
import { incidentSightings } from '../../domain/incidents/detect.ts';
import { planMaintenance, MaintenanceRequestError } from '../../domain/maintenance/plan.ts';
import { driveProgress, poolProgress } from '../../workflows/disk-incident.ts';
import { readiness } from '../../workflows/container-steps.ts';
import { fixtureReader } from '../support/collector-fixtures.ts';
import { composeDevice } from '../support/compose-device.ts';

const zfs = (name: string) => zfsCollector.parse({ stdout: fixtureReader('zfs')(name), stderr: '', exitCode: 0 }, {});
const drives = (name: string) =>
  drivesCollector.parse({ stdout: fixtureReader('drives')(name), stderr: '', exitCode: 0 }, {});

describe('compose dependency order from container labels', () => {
  it('reads the depends_on label of Compose v2 (name:condition:required) and of older releases (bare names)', () => {
    assert.deepEqual(parseDependsOnLabel('db:service_healthy:false,redis:service_started:true'), ['db', 'redis']);
    assert.deepEqual(parseDependsOnLabel('db,redis'), ['db', 'redis']);
    assert.deepEqual(parseDependsOnLabel(''), []);
    assert.deepEqual(parseDependsOnLabel(undefined), []);
  });

  it('orders dependencies before dependents, ties by name, and restarts a service with everything downstream', () => {
    const nodes = composeServices(composeDevice().containers);
    assert.deepEqual(
      startOrder(nodes, 'nextcloud').map((n) => n.service),
      ['db', 'redis', 'app', 'cron', 'imaginary'],
    );
    assert.deepEqual(
      restartOrder(nodes, 'nextcloud', 'db').map((n) => n.service),
      ['db', 'app', 'cron', 'imaginary'],
    );
    assert.deepEqual(
      restartOrder(nodes, 'nextcloud', 'app').map((n) => n.service),
      ['app', 'cron', 'imaginary'],
    );
    assert.deepEqual(
      restartOrder(nodes, 'nextcloud', 'cron').map((n) => n.service),
      ['cron'],
    );
    assert.throws(() => restartOrder(nodes, 'nextcloud', 'nope'), /no compose service nope/);
  });

  it('refuses a depends_on cycle instead of guessing an order', () => {
    const device = composeDevice();
    device.containers.find((c) => c.name === 'nextcloud-db')!.labels['com.docker.compose.depends_on'] =
      'cron:service_started:false';
    assert.throws(
      () => startOrder(composeServices(device.containers), 'nextcloud'),
      (e) =>
        e instanceof DependencyCycleError &&
        e.message === 'compose project nextcloud has a depends_on cycle among app, cron, db, imaginary',
    );
  });
});

describe('maintenance plan', () => {
  const { containers } = composeDevice();

  it('keeps databases, proxies and labelled containers; stops the rest dependents-first; leaves stopped ones alone', () => {
    const plan = planMaintenance(containers, 'linux', { include: [], keep: [] });
    assert.deepEqual(plan.stop, ['grafana', 'nextcloud-imaginary', 'nextcloud-cron', 'nextcloud-app']);
    assert.deepEqual(plan.kept, [
      { name: 'nextcloud-db', reason: 'critical: database' },
      { name: 'nextcloud-redis', reason: 'critical: database' },
      { name: 'swag', reason: 'critical: reverse proxy' },
    ]);
    assert.deepEqual(plan.not_running, ['old-backup']);
    const labelled = containers.map((c) =>
      c.name === 'grafana' ? { ...c, labels: { 'infrastructor.critical': 'true' } } : c,
    );
    assert.deepEqual(
      planMaintenance(labelled, 'linux', { include: [], keep: [] }).kept.find((k) => k.name === 'grafana'),
      { name: 'grafana', reason: 'labelled infrastructor.critical=true' },
    );
  });

  it('honours include and keep, and refuses names the device does not have', () => {
    const plan = planMaintenance(containers, 'linux', { include: ['nextcloud-db'], keep: ['grafana'] });
    assert.deepEqual(plan.stop, ['nextcloud-imaginary', 'nextcloud-cron', 'nextcloud-app', 'nextcloud-db']);
    assert.throws(
      () => planMaintenance(containers, 'linux', { include: ['ghost'], keep: [] }),
      MaintenanceRequestError,
    );
    assert.throws(
      () => planMaintenance(containers, 'linux', { include: ['grafana'], keep: ['grafana'] }),
      /both included and kept/,
    );
  });
});

describe('disk incidents', () => {
  it('a resilvering DEGRADED pool and a failing drive are sighted; healthy ones are not', () => {
    const sightings = incidentSightings('zfs', zfs('debian12-zfs22-raidz2-resilver.txt'));
    assert.equal(sightings.length, 1);
    assert.equal(sightings[0]!.kind, 'pool_degraded');
    assert.match(sightings[0]!.summary, /^pool \S+ is DEGRADED/);
    assert.deepEqual(incidentSightings('zfs', zfs('proxmox-ve8-zfs22.txt')), []);
    const failing = incidentSightings('drives', drives('debian11-failing.txt'));
    assert.ok(failing.length >= 1);
    assert.ok(failing.every((s) => s.kind === 'drive_failed' && /FAILED/.test(s.summary)));
    assert.deepEqual(incidentSightings('drives', drives('debian12-root.txt')), []);
    assert.deepEqual(incidentSightings('metrics', {}), []);
  });

  it('the runbook reads resilver progress and completion from a real zpool status', () => {
    const degraded = zfs('debian12-zfs22-raidz2-resilver.txt');
    const pool = incidentSightings('zfs', degraded)[0]!.subject;
    const progress = poolProgress(degraded, pool);
    assert.equal(progress.done, false);
    assert.match(progress.detail, /resilver [\d.]+ % done/);
    const healthy = zfs('proxmox-ve8-zfs22.txt');
    assert.equal(poolProgress(healthy, healthy.pools[0]!.name).done, true);
    assert.equal(poolProgress(healthy, 'gone').done, false);
  });

  it('a failed drive is done once it is gone or reads passed, and every other drive passes', () => {
    const failing = drives('debian11-failing.txt');
    const serial = incidentSightings('drives', failing)[0]!.subject;
    assert.equal(driveProgress(failing, serial).done, false);
    assert.equal(driveProgress(drives('debian12-root.txt'), serial).done, true);
  });
});

describe('container readiness', () => {
  const base = composeDevice().containers[0]!;
  it('running and healthy is ready; starting waits; exited or gone is final', () => {
    assert.equal(readiness({ ...base, health: 'healthy' }).ok, true);
    assert.equal(readiness({ ...base, health: null }).ok, true);
    assert.deepEqual(
      [readiness({ ...base, health: 'starting' }).ok, readiness({ ...base, health: 'starting' }).final],
      [false, false],
    );
    assert.deepEqual(
      [
        readiness({ ...base, state: 'exited', exit_code: 137 }).final,
        readiness({ ...base, state: 'exited', exit_code: 137 }).detail,
      ],
      [true, 'exited with code 137'],
    );
    assert.equal(readiness(undefined).final, true);
  });
});
