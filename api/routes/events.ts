import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import type { InfraEvent } from '../../services/event-service.ts';
import { defineRoute } from '../route.ts';

const EventsQuery = z
  .object({
    device: Hostname.optional(),
    /** Comma-separated audit actions (collect, operation_held, config_change, incident_opened...) or `device_status`. */
    types: z.string().max(1000).optional(),
  })
  .strict();

/** A comment line this often keeps proxies and idle-timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/** `GET /api/events`: Server-Sent Events, one per collection, status change, config change, operation step... */
export const eventRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/events',
    operationId: 'events',
    summary: 'Server-Sent Events: collections, status changes, config changes, operation steps...',
    tag: 'events',
    query: EventsQuery,
    answers: {
      '200': {
        description: 'an endless event stream (a comment line every 15 s keeps it open)',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
    },
    handler: ({ query: q, req, res, deps }) => {
      const types = q.types
        ? new Set(
            q.types
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          )
        : null;
      res.status(200).set({
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      res.write(': infrastructor events\n\n');
      const wanted = (e: InfraEvent) =>
        (q.device === undefined || e.device === q.device) &&
        (types === null || types.has(e.kind === 'audit' ? String(e.action) : e.kind));
      const unsubscribe = deps.events.subscribe((e) => {
        if (!wanted(e)) return;
        const name = e.kind === 'audit' ? String(e.action) : e.kind;
        res.write(`event: ${name}\n${e.audit_id ? `id: ${String(e.audit_id)}\n` : ''}data: ${JSON.stringify(e)}\n\n`);
      });
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      req.on('close', () => {
        clearInterval(keepalive);
        unsubscribe();
      });
    },
  }),
];
