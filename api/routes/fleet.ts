import { z } from 'zod';
import { DeviceView } from '../../schema/device.ts';
import { fleetContainersAnswerShape, FleetContainersQuery } from '../../schema/fleet-containers.ts';
import type { FleetContainers, FleetDevice, FleetMetrics } from '../../services/fleet-service.ts';
import { answers, json, Time, wrapped } from '../answers.ts';
import { defineRoute } from '../route.ts';

const fleetMetricsShape = {
  collected_at: Time,
  cpu_percent: z.number().nullable(),
  memory_used_percent: z.number().nullable(),
  disk_max_used_percent: z.number().nullable(),
  load_1: z.number().nullable(),
  load_5: z.number().nullable(),
  load_15: z.number().nullable(),
  cores: z.int().nullable(),
} satisfies Record<keyof FleetMetrics, z.ZodType>;
const fleetContainersShape = {
  collected_at: Time,
  docker_available: z.boolean(),
  total: z.int(),
  running: z.int(),
  exited: z.int(),
  unhealthy: z.int(),
} satisfies Record<keyof FleetContainers, z.ZodType>;
const fleetDeviceShape = {
  device: DeviceView,
  metrics: z.looseObject(fleetMetricsShape).nullable(),
  containers: z.looseObject(fleetContainersShape).nullable(),
  alerts: z.looseObject({ firing: z.int(), worst_severity: z.string().nullable() }),
} satisfies Record<keyof FleetDevice, z.ZodType>;

/**
 * `GET /api/fleet`: every device with its newest stored figures, in one answer (the console's fleet page).
 * `GET /api/containers`: every container of the fleet from the stored answers, filtered and paged.
 */
export const fleetRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/fleet',
    operationId: 'fleet',
    summary: 'Every device with its newest stored metrics, container counts and firing alerts (never collects)',
    tag: 'devices',
    answers: {
      '200': wrapped('the devices, by hostname', 'devices', answers(z.array(z.looseObject(fleetDeviceShape)))),
    },
    handler: async ({ res, deps }) => {
      res.json(await deps.fleet.summary());
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/containers',
    operationId: 'listAllContainers',
    summary:
      'Every container of the fleet from the stored answers (never collects), filtered by device, state and name substring, paged',
    tag: 'containers',
    query: FleetContainersQuery,
    answers: {
      '200': json(
        "the matching containers, by device and name, with the age of each device's answer",
        answers(z.object(fleetContainersAnswerShape)),
      ),
    },
    handler: async ({ query, res, deps }) => {
      res.json(await deps.fleet.containers(query));
    },
  }),
];
