import type { Client } from '@temporalio/client';
import type { AlertTransition, HeldOperationNotice } from '../schema/alert.ts';
import type { Logger } from '../platform/logger.ts';
import type { CollectionFailure, CollectionInput } from '../schema/collection.ts';
import type { DeviceChangeInput } from '../schema/device-change.ts';
import { collect, recordCollectionFailure } from './collect.ts';
import {
  analyseCommand,
  assessRisk,
  executeOperation,
  recordOperation,
  type AssessRiskInput,
  type ExecuteOperationInput,
  type RecordOperationInput,
} from './operations.ts';
import { captureConfigChange, type CaptureInput } from './config/capture.ts';
import {
  assessConfigRollback,
  checkConfigFile,
  writeConfigVersion,
  type ConfigRestoreTarget,
  type ConfigRollbackTarget,
} from './config/rollback.ts';
import { watchConfigFiles, type WatchInput, type WatchSettings } from './config/watch.ts';
import {
  planDeviceMaintenance,
  setDeviceMaintenance,
  type PlanMaintenanceInput,
  type SetMaintenanceInput,
} from './maintenance/state.ts';
import { deliverAlerts, deliverHeldNotice, enabledChannelIds } from './alerts/deliver.ts';
import { diagnoseDevice, type DiagnoseDeviceInput } from './diagnosis.ts';
import { openIncidents, recordIncident } from './incidents.ts';
import { purgeAudit, purgeSnapshots, type PurgeInput } from './retention.ts';
import { startDetection, syncDeviceSchedules, type DeviceSchedules } from './schedules.ts';
import { applyDeviceChange, syncConfigWatcher, type DeviceWatchers, type SyncWatcherInput } from './device-change.ts';
import type { SshPool } from './ssh/pool.ts';
import {
  checkProxiedName,
  locateProxy,
  readProxyConfs,
  recordProxyConf,
  removeProxyFile,
  runProxyNginx,
  storeConfVersion,
  writeProxyConf,
  type RecordProxyConfInput,
} from './proxy/proxy-conf.ts';
import type { LocatedProxy, ProxyConfLocation } from '../schema/proxy-conf.ts';
import {
  auditStack,
  imageDigests,
  prepareStackChange,
  readStackFiles,
  removeFailedDeploy,
  removeStackPath,
  writeStackFile,
  type PrepareStackInput,
  type StackAuditInput,
} from './stacks/stack-activities.ts';
import type { StackLocation } from '../domain/compose/stack-commands.ts';
import {
  planZfsReplication,
  recordZfsReplication,
  transferZfsSnapshot,
  type PlanReplicationInput,
  type ReplicationAuditInput,
  type TransferInput,
} from './zfs/replication.ts';
import type { Repositories } from '../store/index.ts';

export interface ActivityDeps {
  store: Repositories;
  pool: SshPool;
  logger: Logger;
  schedules: DeviceSchedules;
  watchers: DeviceWatchers;
  /** For the watch activity's signals to its workflow. */
  temporal: Client;
  watchSettings?: Partial<WatchSettings>;
  /** How often the disk-replacement runbook checks a rebuild; tests shorten it. */
  incidentCheckIntervalSeconds?: number;
}

/** Every activity, bound to its dependencies. Workflows import the type only. */
export function createActivities(deps: ActivityDeps) {
  return {
    collect: (input: CollectionInput) => collect(deps, input),
    recordCollectionFailure: (failure: CollectionFailure) => recordCollectionFailure(deps, failure),
    analyseCommand: async (command: string) => analyseCommand(command),
    assessRisk: (input: AssessRiskInput) => assessRisk(deps, input),
    recordOperation: (input: RecordOperationInput) => recordOperation(deps, input),
    executeOperation: (input: ExecuteOperationInput) => executeOperation(deps, input),
    applyDeviceChange: (input: DeviceChangeInput) => applyDeviceChange(deps, input),
    syncDeviceSchedules: (hostname: string) => syncDeviceSchedules(deps, hostname),
    syncConfigWatcher: (input: SyncWatcherInput) => syncConfigWatcher(deps, input),
    startDetection: (hostname: string) => startDetection(deps, hostname),
    purgeSnapshots: (input: PurgeInput) => purgeSnapshots(deps, input),
    purgeAudit: (input: { retentionDays: number }) => purgeAudit(deps, input),
    watchConfigFiles: (input: WatchInput) => watchConfigFiles(deps, input),
    captureConfigChange: (input: CaptureInput) => captureConfigChange(deps, input),
    assessConfigRollback: (input: ConfigRollbackTarget) => assessConfigRollback(deps, input),
    writeConfigVersion: (input: ConfigRestoreTarget) => writeConfigVersion(deps, input),
    checkConfigFile: (input: { hostname: string; path: string }) => checkConfigFile(deps, input),
    locateProxy: (input: { hostname: string; location: ProxyConfLocation }) => locateProxy(deps, input),
    storeConfVersion: (input: { hostname: string; path: string; correlationId: string | null }) =>
      storeConfVersion(deps, input),
    writeProxyConf: (input: { hostname: string; path: string; content: string }) => writeProxyConf(deps, input),
    removeProxyFile: (input: { hostname: string; path: string }) => removeProxyFile(deps, input),
    runProxyNginx: (input: { hostname: string; proxy: LocatedProxy; action: 'test' | 'reload' }) =>
      runProxyNginx(deps, input),
    checkProxiedName: (input: { hostname: string; url: string; host: string }) => checkProxiedName(deps, input),
    readProxyConfs: (input: { hostname: string; confDir: string }) => readProxyConfs(deps, input),
    recordProxyConf: (input: RecordProxyConfInput) => recordProxyConf(deps, input),
    planDeviceMaintenance: (input: PlanMaintenanceInput) => planDeviceMaintenance(deps, input),
    setDeviceMaintenance: (input: SetMaintenanceInput) => setDeviceMaintenance(deps, input),
    openIncidents: (input: Parameters<typeof openIncidents>[1]) => openIncidents(deps, input),
    recordIncident: (input: Parameters<typeof recordIncident>[1]) => recordIncident(deps, input),
    diagnoseDevice: (input: DiagnoseDeviceInput) => diagnoseDevice(deps, input),
    deliverAlerts: (transitions: AlertTransition[]) => deliverAlerts(deps, transitions),
    enabledChannelIds: () => enabledChannelIds(deps),
    deliverHeldNotice: (input: { notice: HeldOperationNotice; channelId: string }) => deliverHeldNotice(deps, input),
    prepareStackChange: (input: PrepareStackInput) => prepareStackChange(deps, input),
    writeStackFile: (input: { hostname: string; path: string; content: string }) => writeStackFile(deps, input),
    removeStackPath: (input: { hostname: string; path: string; directory: boolean }) => removeStackPath(deps, input),
    removeFailedDeploy: (input: { hostname: string; location: StackLocation }) => removeFailedDeploy(deps, input),
    imageDigests: (input: { hostname: string; imageIds: string[] }) => imageDigests(deps, input),
    readStackFiles: (input: Parameters<typeof readStackFiles>[1]) => readStackFiles(deps, input),
    auditStack: (input: StackAuditInput) => auditStack(deps, input),
    planZfsReplication: (input: PlanReplicationInput) => planZfsReplication(deps, input),
    transferZfsSnapshot: (input: TransferInput) => transferZfsSnapshot(deps, input),
    recordZfsReplication: (input: ReplicationAuditInput) => recordZfsReplication(deps, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
