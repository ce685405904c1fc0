import { z } from 'zod';
import { CONTAINER_STATE_NAMES } from '../domain/collectors/containers.ts';
import { Hostname } from './device.ts';

/** Most containers one answer lists; `offset` pages through the rest. */
export const MAX_FLEET_CONTAINERS_PAGE = 500;

/**
 * Filters of the fleet-wide container list (`GET /api/containers`, MCP list_all_containers). The name is a
 * plain substring of the characters container names are made of, matched case-insensitively: no
 * patterns, so nothing in it can be misread.
 */
export const FleetContainersQuery = z
  .object({
    device: Hostname.optional().describe('Only this device'),
    state: z.enum(CONTAINER_STATE_NAMES).optional().describe('Only containers in this state'),
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, `_`, `.` and `-` only (what container names are made of)')
      .optional()
      .describe('Substring of the container name (case-insensitive)'),
    limit: z.coerce.number().int().min(1).max(MAX_FLEET_CONTAINERS_PAGE).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type FleetContainersQuery = z.infer<typeof FleetContainersQuery>;

const Port = z.looseObject({
  container_port: z.number(),
  container_port_end: z.number().optional(),
  protocol: z.string(),
  host_ip: z.string().optional(),
  host_port: z.number().optional(),
  host_port_end: z.number().optional(),
});

/** One container of the fleet-wide list: the device's newest stored answer, with whose and how old it is. */
export const FleetContainer = z.looseObject({
  device: z.string(),
  collected_at: z.string(),
  id: z.string(),
  name: z.string(),
  image: z.string(),
  state: z.enum(CONTAINER_STATE_NAMES),
  status: z.string(),
  health: z.string().nullable(),
  restart_count: z.number(),
  exit_code: z.number().nullable(),
  started_at: z.string().nullable(),
  compose_project: z.string().nullable(),
  ports: z.array(Port),
});
export type FleetContainer = z.output<typeof FleetContainer>;

/** Where the list came from: every device asked about, with the age of its newest container answer. */
export const FleetContainerSource = z.object({
  device: z.string(),
  /** Null when the device's containers were never collected. */
  collected_at: z.string().nullable(),
  /** Null when never collected. */
  docker_available: z.boolean().nullable(),
});
export type FleetContainerSource = z.output<typeof FleetContainerSource>;

/** What `GET /api/containers` and MCP list_all_containers answer. */
export const FleetContainersAnswer = z.object({
  containers: z.array(FleetContainer),
  /** Matching containers in all, of which this page holds `limit` from `offset`. */
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  sources: z.array(FleetContainerSource),
});
export type FleetContainersAnswer = z.output<typeof FleetContainersAnswer>;
