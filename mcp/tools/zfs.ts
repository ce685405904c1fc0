import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import {
  DatasetPropertiesAnswer,
  PruneAnswer,
  SnapshotListingAnswer,
  ZfsOperationAnswer,
  ZfsReplicationAnswer,
  ZpoolEventsAnswer,
} from '../../schema/zfs-answers.ts';
import {
  RetentionPolicyFields,
  SnapshotNamePattern,
  ZfsPruneRequest,
  ZfsReplicationRequest,
  ZfsSnapshotListQuery,
} from '../../schema/zfs-request.ts';
import { LogSince } from '../../schema/log-request.ts';
import { execAnswer } from '../../services/operation-answers.ts';
import { ServiceError } from '../../services/service-error.ts';
import { pruneAnswer, replicationAnswer } from '../../services/zfs-answers.ts';
import type { ZfsService } from '../../services/zfs-service.ts';
import type { ToolKit } from './operational-workflows.ts';

export interface ZfsToolDeps {
  zfs: ZfsService;
}

const Device = Hostname.describe('Device hostname');
const Dataset = z.string().min(1).max(255);
const readOnly = { readOnlyHint: true, openWorldHint: true } as const;

/**
 * ZFS operations for agents: reads (snapshots, properties, events, a replication's progress) and changes
 * that go through the protection like any command — a prune, a risky property or a forced replication is
 * held until a person releases it; the agent gets the hold, never the phrase.
 */
export function registerZfsTools(server: McpServer, deps: ZfsToolDeps, kit: ToolKit): void {
  server.registerTool(
    'list_zfs_snapshots',
    {
      title: 'List ZFS snapshots',
      description:
        'Snapshots of a device, newest first, filtered by dataset (and its descendants), a name glob (`autosnap_*_daily`) and age (older_than: 30d, 12h or an ISO time). Read live from the device (zfs list), audited.',
      inputSchema: {
        device: Device,
        dataset: Dataset.optional(),
        name_pattern: SnapshotNamePattern.optional(),
        older_than: LogSince.optional(),
        limit: z.number().int().min(1).max(5000).optional(),
      },
      outputSchema: SnapshotListingAnswer,
      annotations: readOnly,
    },
    ({ device, ...query }) =>
      kit.answer(() => deps.zfs.listSnapshots(device, ZfsSnapshotListQuery.parse(query), kit.ctx())),
  );

  server.registerTool(
    'prune_zfs_snapshots',
    {
      title: 'Prune ZFS snapshots by retention policy',
      description:
        "Plans a sanoid-style retention policy over a dataset's snapshots (keep_last N, and the newest of each of the last N hours/days/ISO weeks/months/years; UTC) and destroys the rest, oldest first, at most 500 per call. " +
        'Only snapshots matching name_pattern take part. The destroy is held until a person releases it; the answer lists every snapshot kept (with why) and destroyed. dry_run answers the plan only.',
      inputSchema: {
        device: Device,
        dataset: Dataset,
        recursive: z.boolean().optional(),
        ...RetentionPolicyFields,
        dry_run: z.boolean().optional(),
      },
      outputSchema: PruneAnswer,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    ({ device, ...args }, extra) =>
      kit.answer(async () => {
        const outcome = await deps.zfs.prune(device, ZfsPruneRequest.parse(args), kit.ctx());
        const body = pruneAnswer(outcome, kit.publicUrl).body;
        // Asking the person (when the client can) answers their decision; the plan stays in the answer either way.
        return outcome.operation
          ? { ...body, ...((await kit.askWhenHeld(outcome.operation, body, extra)) as object) }
          : body;
      }),
  );

  server.registerTool(
    'clone_zfs_snapshot',
    {
      title: 'Clone a ZFS snapshot',
      description:
        'zfs clone [-p] dataset@snapshot new/dataset: a writable copy that shares blocks with the snapshot. Loses nothing; audited.',
      inputSchema: {
        device: Device,
        snapshot: z.string().min(3).max(255).describe('dataset@snapshot'),
        target: Dataset.describe('The new dataset'),
        create_parents: z.boolean().optional(),
      },
      outputSchema: ZfsOperationAnswer,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    ({ device, snapshot, target, create_parents }, extra) =>
      kit.answer(async () => {
        const view = await deps.zfs.clone(
          device,
          { snapshot, target, create_parents: create_parents ?? false },
          kit.ctx(),
        );
        return kit.askWhenHeld(view, execAnswer(view, kit.publicUrl).body, extra);
      }),
  );

  server.registerTool(
    'get_zfs_properties',
    {
      title: 'Get ZFS dataset properties',
      description:
        'zfs get: the named properties (native ones such as compression, recordsize, mountpoint, used; or user properties module:name), or all, with value and source (local, default, inherited from ...).',
      inputSchema: {
        device: Device,
        dataset: Dataset,
        properties: z.array(z.string().min(1).max(300)).max(100).optional(),
      },
      outputSchema: DatasetPropertiesAnswer,
      annotations: readOnly,
    },
    ({ device, dataset, properties }) =>
      kit.answer(() => deps.zfs.properties(device, dataset, properties ?? [], kit.ctx())),
  );

  server.registerTool(
    'set_zfs_property',
    {
      title: 'Set a ZFS dataset property',
      description:
        'zfs set property=value on a dataset; the name is checked against the ZFS native properties (or module:name for a user property) and the value against what the property accepts. ' +
        'readonly, mountpoint, canmount, sharenfs, sharesmb, quota, refquota, volsize, exec, keylocation and zoned can cut services off their data: those are held until a person releases them.',
      inputSchema: {
        device: Device,
        dataset: Dataset,
        property: z.string().min(1).max(300),
        value: z.string().max(8191),
      },
      outputSchema: ZfsOperationAnswer,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    ({ device, dataset, property, value }, extra) =>
      kit.answer(async () => {
        const view = await deps.zfs.setProperty(device, { dataset, property, value }, kit.ctx());
        return kit.askWhenHeld(view, execAnswer(view, kit.publicUrl).body, extra);
      }),
  );

  server.registerTool(
    'zfs_scrub',
    {
      title: 'Start or stop a scrub',
      description:
        'zpool scrub POOL (start) or zpool scrub -s POOL (stop). A scrub reads every block and repairs what it can; it loads the disks while it runs. Progress shows in get_zfs_status.',
      inputSchema: { device: Device, pool: z.string().min(1).max(255), action: z.enum(['start', 'stop']) },
      outputSchema: ZfsOperationAnswer,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    ({ device, pool, action }, extra) =>
      kit.answer(async () => {
        const view = await deps.zfs.scrub(device, pool, action, kit.ctx());
        return kit.askWhenHeld(view, execAnswer(view, kit.publicUrl).body, extra);
      }),
  );

  server.registerTool(
    'get_zpool_events',
    {
      title: 'ZFS pool events',
      description:
        'The newest zpool events (of one pool or all), newest first: class (ereport.fs.zfs.checksum/io, resource.fs.zfs.statechange, sysevent.fs.zfs.scrub_finish...), exact time, pool, device path and every field of the event.',
      inputSchema: {
        device: Device,
        pool: z.string().min(1).max(255).optional(),
        limit: z.number().int().min(1).max(100).optional(),
      },
      outputSchema: ZpoolEventsAnswer,
      annotations: readOnly,
    },
    ({ device, pool, limit }) => kit.answer(() => deps.zfs.events(device, pool ?? null, limit ?? 50, kit.ctx())),
  );

  server.registerTool(
    'replicate_zfs',
    {
      title: 'Replicate a ZFS dataset to another device',
      description:
        'zfs send | zfs receive -s from a dataset on one device to a dataset on another, streamed through infrastructor: a full send when the target has no such dataset, else incremental ' +
        "(-i, or -I with intermediates) from the newest snapshot both have. A dropped connection resumes from the target's receive_resume_token. force rolls the target back to the common " +
        'snapshot first (losing what changed there): held until a person releases it. Answers once the transfer runs; follow it with get_zfs_replication.',
      inputSchema: ZfsReplicationRequest.shape,
      outputSchema: z.looseObject({
        replication: ZfsReplicationAnswer.optional(),
        status: z.string().optional(),
        operation_id: z.string().optional(),
      }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    (args, extra) =>
      kit.answer(async () => {
        const outcome = await deps.zfs.replicate(ZfsReplicationRequest.parse(args), kit.ctx());
        const answer = replicationAnswer(outcome, kit.publicUrl);
        if (outcome.held_operation) return kit.askWhenHeld(outcome.held_operation, answer.body, extra);
        if (answer.httpStatus >= 400) {
          const { error } = answer.body as { error: { code: string; message: string; details?: unknown } };
          throw new ServiceError(error.code, answer.httpStatus, error.message, error.details);
        }
        return answer.body;
      }),
  );

  server.registerTool(
    'get_zfs_replication',
    {
      title: "A ZFS replication's progress",
      description:
        "The replication's phase (planning, awaiting_confirmation, transferring, completed, up_to_date, failed, cancelled), its plan and, once done, bytes sent, attempts and whether it resumed.",
      inputSchema: { replication_id: z.uuid() },
      outputSchema: { replication: ZfsReplicationAnswer },
      // Asks the workflow, not a device.
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ replication_id }) => kit.answer(async () => ({ replication: await deps.zfs.replication(replication_id) })),
  );
}
