import { z } from 'zod';
import { Command } from './command-request.ts';
import { LogSince, MAX_LOG_LINES, DEFAULT_LOG_LINES } from './log-request.ts';

export const CONTAINER_ACTIONS = ['start', 'stop', 'restart', 'remove', 'inspect', 'logs', 'exec'] as const;
export type ContainerAction = (typeof CONTAINER_ACTIONS)[number];
/** Actions that change a container; after them the answer carries the containers' new state. */
export const CHANGING_CONTAINER_ACTIONS: readonly ContainerAction[] = ['start', 'stop', 'restart', 'remove'];

/** Docker's own rule for names (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`); ids are hex, which it also matches. */
export const ContainerName = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'container: a docker name or id (letters, digits, _ . -)');

export const ContainerActionRequest = z
  .object({
    action: z.enum(CONTAINER_ACTIONS),
    containers: z.array(ContainerName).min(1).max(100),
    /** remove: also running containers. */
    force: z.boolean().optional(),
    /** remove: also the containers' anonymous volumes (their data). */
    volumes: z.boolean().optional(),
    /** stop/restart: seconds docker waits before killing. */
    timeout_seconds: z.number().int().min(0).max(600).optional(),
    /** exec: the command, run by `sh -c` in the container. */
    command: Command.optional(),
    /** logs: newest lines, and how far back. */
    tail: z.number().int().min(1).max(MAX_LOG_LINES).optional(),
    since: LogSince.optional(),
    timestamps: z.boolean().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const only = (field: keyof typeof r, actions: ContainerAction[]) => {
      if (r[field] !== undefined && !actions.includes(r.action)) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to ${actions.join('/')} only` });
      }
    };
    only('force', ['remove']);
    only('volumes', ['remove']);
    only('timeout_seconds', ['stop', 'restart']);
    only('command', ['exec']);
    only('tail', ['logs']);
    only('since', ['logs']);
    only('timestamps', ['logs']);
    if ((r.action === 'logs' || r.action === 'exec') && r.containers.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['containers'], message: `${r.action} takes exactly one container` });
    }
    if (r.action === 'exec' && r.command === undefined)
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'exec needs a command' });
  })
  .transform((r) => (r.action === 'logs' ? { ...r, tail: r.tail ?? DEFAULT_LOG_LINES } : r));
export type ContainerActionRequest = z.infer<typeof ContainerActionRequest>;
