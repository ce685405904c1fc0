import { z } from 'zod';
import { PrincipalRefSchema } from './api-token.ts';
import { DEVICE_TYPES } from './device-types.ts';

/** Device names appear in workflow ids, schedule ids, URLs and logs: keep them to a safe alphabet. */
export const Hostname = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    'hostname: 1-63 letters, digits, dot, dash or underscore, starting with a letter or digit',
  );

/** A DNS name, IPv4 or IPv6 address (no spaces, no shell characters). */
export const Address = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(
    /^(\[?[0-9A-Fa-f:.]+\]?|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/,
    'address: a host name, IPv4 or IPv6 address',
  );

export const Username = z
  .string()
  .trim()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, 'username: a POSIX login name');

export const Tag = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'tag: letters, digits, dot, colon, dash or underscore');

const IdentityFile = z
  .string()
  .trim()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || p.startsWith('~/'), 'identity_file: an absolute path or one under ~/')
  .refine((p) => !p.includes('\0'), 'identity_file: contains a NUL byte');

/** Where new compose stacks go (one folder per stack): an absolute path without `..` or shell characters. */
export const StacksDir = z
  .string()
  .trim()
  .max(255)
  .regex(/^\/[A-Za-z0-9._/-]*$/, 'stacks_dir: an absolute path of letters, digits, dot, dash, underscore and slash')
  .refine((p) => !p.split('/').includes('..'), 'stacks_dir: must not contain ..');

const deviceFields = {
  address: Address,
  port: z.number().int().min(1).max(65535),
  username: Username,
  auth_method: z.enum(['key', 'agent']),
  identity_file: IdentityFile.nullable(),
  device_type: z.enum(DEVICE_TYPES),
  tags: z.array(Tag).max(32),
  location: z.string().trim().max(200).nullable(),
  description: z.string().trim().max(2000).nullable(),
  monitoring_enabled: z.boolean(),
  stacks_dir: StacksDir.nullable(),
};

export const DeviceCreate = z
  .object({
    hostname: Hostname,
    address: Address.optional(),
    port: deviceFields.port.default(22),
    username: deviceFields.username.default('root'),
    auth_method: deviceFields.auth_method.optional(),
    identity_file: deviceFields.identity_file.optional(),
    device_type: deviceFields.device_type.default('linux'),
    tags: deviceFields.tags.default([]),
    location: deviceFields.location.optional(),
    description: deviceFields.description.optional(),
    monitoring_enabled: deviceFields.monitoring_enabled.default(true),
  })
  .strict()
  .transform((d) => ({
    ...d,
    address: d.address ?? d.hostname,
    auth_method: d.auth_method ?? (d.identity_file ? ('key' as const) : ('agent' as const)),
    identity_file: d.identity_file ?? null,
    location: d.location ?? null,
    description: d.description ?? null,
  }))
  .refine((d) => d.auth_method !== 'key' || d.identity_file !== null, {
    message: 'identity_file is required when auth_method is "key"',
    path: ['identity_file'],
  });
export type DeviceCreate = z.output<typeof DeviceCreate>;

export const DevicePatch = z
  .object({ ...deviceFields, reset_host_key: z.literal(true) })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change');
export type DevicePatch = z.output<typeof DevicePatch>;

/** Stored on the device while it is in maintenance (schedules and alerts read it). */
export const DeviceMaintenance = z.looseObject({
  since: z.iso.datetime(),
  workflow_id: z.string(),
  requested_by: PrincipalRefSchema,
  reason: z.string().nullable(),
  stopped: z.array(z.string()),
  kept: z.array(z.looseObject({ name: z.string(), reason: z.string() })),
});
export type DeviceMaintenance = z.output<typeof DeviceMaintenance>;

/** What the fronts show of a device (the device routes, the fleet, the import): never the key path or any secret. */
export const DeviceView = z.looseObject({
  id: z.uuid(),
  hostname: z.string(),
  address: z.string(),
  port: z.int(),
  username: z.string(),
  auth_method: z.enum(['key', 'agent']),
  device_type: z.string(),
  tags: z.array(z.string()),
  location: z.string().nullable(),
  description: z.string().nullable(),
  monitoring_enabled: z.boolean(),
  status: z.string(),
  status_detail: z.string().nullable(),
  last_seen: z.iso.datetime().nullable(),
  host_key_fingerprint: z.string().nullable(),
  host_key_algorithm: z.string().nullable(),
  capabilities: z.record(z.string(), z.boolean()),
  /** How config files are watched: `inotify`, `polling` (with the reason in config_watch_detail), or null. */
  config_watch_mode: z.string().nullable(),
  config_watch_detail: z.string().nullable(),
  /** Set while the device is in maintenance mode: since when, by whom, what was stopped. */
  maintenance: DeviceMaintenance.nullable(),
  /** Where new compose stacks go; null: /opt/stacks. */
  stacks_dir: z.string().nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
export type DeviceView = z.output<typeof DeviceView>;
