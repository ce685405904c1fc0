import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';

const ask = (text: string) => ({ messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] });

/** Prompt arguments arrive as strings: a number of days, 1 to 3650. */
const Days = z.string().regex(/^[1-9]\d{0,3}$/, 'a number of days');
/** An age such as 24h or 7d. */
const Age = z.string().regex(/^[1-9]\d{0,4}[hd]$/, 'an age such as 24h or 7d');

/** Prompts for the jobs besides health_check and troubleshoot_device (mcp/tools/operational-workflows.ts). */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'plan_disk_replacement',
    {
      title: 'Plan a disk replacement',
      description: 'Work out which disk to replace on a device and the safe steps to do it, without changing anything.',
      argsSchema: {
        device: Hostname,
        disk: z.string().max(200).optional().describe('The disk in question, e.g. sdc or a serial'),
      },
    },
    ({ device, disk }) =>
      ask(
        `Plan a disk replacement on ${device}${disk ? ` for ${disk}` : ''}. Read get_drive_health and get_zfs_status for ${device}, ` +
          `list_incidents for ${device}, and get_history of drives over the last 30 days to see how the failing counters grew. ` +
          'Say which disk to replace (model, serial, slot or by-id path), how urgent it is and why, whether the pool keeps its redundancy ' +
          'meanwhile, and the steps: take a snapshot or check the backup, the zpool offline/replace commands with the exact names, what ' +
          'the resilver will take, and calling disk_replaced on the incident once the new disk is in. Do not run any command that changes ' +
          'the device; destructive ones will ask me for a confirmation phrase.',
      ),
  );

  server.registerPrompt(
    'review_config_changes',
    {
      title: 'Review recent configuration changes',
      description: 'Go through the configuration changes of a period, riskiest first, and say which need attention.',
      argsSchema: {
        since: Age.optional().describe('How far back, e.g. 24h or 7d (default 24h)'),
        device: Hostname.optional(),
      },
    },
    ({ since, device }) =>
      ask(
        `Review the configuration changes of the last ${since ?? '24h'}${device ? ` on ${device}` : ' on every device'}. Call config_changes ` +
          `with since set to that time${device ? ` and device ${device}` : ''}, then config_diff for each HIGH or CRITICAL one. For each change ` +
          'say what changed in plain words, its risk and the affected services, and whether a problem began after it (list_alerts, ' +
          'list_events). Flag changes nobody asked for through infrastructor. Propose rollback_config only where a change broke something, ' +
          'and do not run it until I say so.',
      ),
  );

  server.registerPrompt(
    'capacity_review',
    {
      title: 'Capacity review',
      description: 'Which filesystems, pools, memory and CPU run out first, with the trend behind each estimate.',
      argsSchema: {
        device: Hostname.optional().describe('Omit for the whole fleet'),
        horizon_days: Days.optional().describe('How far ahead to look (default 90)'),
      },
    },
    ({ device, horizon_days }) =>
      ask(
        `Review capacity ${device ? `of ${device}` : 'of the fleet'} for the next ${horizon_days ?? '90'} days. Start with ` +
          `${device ? `diagnose for ${device} (focus storage, then performance)` : 'fleet_overview and diagnose (focus storage)'}; for every ` +
          'filesystem or pool over 70 % and every device with high memory or CPU, read get_history of metrics or zfs over the last 30 days ' +
          'and estimate when it fills, with the growth rate as evidence. Rank what runs out first, then propose what to do (clean up, ' +
          'prune snapshots, add disks, move guests or containers). Do not change anything.',
      ),
  );
}
