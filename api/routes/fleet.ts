import { z } from 'zod';
import { FleetContainersAnswer, FleetContainersQuery } from '../../schema/fleet-containers.ts';
import { FleetDevice } from '../../services/fleet-service.ts';
import { answers, json, wrapped } from '../answers.ts';
import { defineRoute } from '../route.ts';

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
      '200': wrapped('the devices, by hostname', 'devices', answers(z.array(FleetDevice))),
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
        answers(FleetContainersAnswer),
      ),
    },
    handler: async ({ query, res, deps }) => {
      res.json(await deps.fleet.containers(query));
    },
  }),
];
