import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DATA_TYPES } from '../domain/collectors/registry.ts';

/** Audit rows are kept this long unless AUDIT_RETENTION_DAYS says otherwise. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

export const INFRA_ROLES = ['all', 'worker', 'api', 'mcp'] as const;
export type InfraRole = (typeof INFRA_ROLES)[number];

const port = z.coerce.number().int().min(1).max(65535);
const optionalUrl = (what: string) => z.string().trim().min(1, `${what} must not be empty when set`).optional();

const ConfigSchema = z
  .object({
    API_PORT: port.default(9101),
    MCP_PORT: port.default(9102),
    /** Loopback by default: nothing is exposed until auth exists and the operator chooses to. */
    BIND_ADDRESS: z.string().default('127.0.0.1'),
    INFRA_DATA_DIR: z.string().default('./data'),
    TEMPORAL_ADDRESS: optionalUrl('TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    TEMPORAL_UI_PORT: port.default(8233),
    /** Ports of the embedded servers, used only when TEMPORAL_ADDRESS / DATABASE_URL are not set. */
    EMBEDDED_TEMPORAL_PORT: port.default(7233),
    EMBEDDED_POSTGRES_PORT: port.default(5433),
    TEMPORAL_CLI: z.string().optional(),
    DATABASE_URL: optionalUrl('DATABASE_URL').refine(
      (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
      'DATABASE_URL must be a postgres:// or postgresql:// URL',
    ),
    /** Task queue, and the prefix of workflow and schedule ids, so several instances can share a namespace. */
    INFRA_INSTANCE: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, 'INFRA_INSTANCE must be lowercase letters, digits and dashes')
      .default('infra'),
    /**
     * Which part this process runs: `all` (the default: worker, API and MCP, with embedded servers when
     * TEMPORAL_ADDRESS / DATABASE_URL are unset), or one part of a deployment (temporal-compose.yml).
     */
    INFRA_ROLE: z.enum(INFRA_ROLES, { error: `INFRA_ROLE must be one of ${INFRA_ROLES.join(', ')}` }).default('all'),
    /** A workflow bundle written by scripts/build-workflow-bundle.ts (the image has one); unset, the worker bundles at start. */
    INFRA_WORKFLOW_BUNDLE: z
      .string()
      .trim()
      .min(1, 'INFRA_WORKFLOW_BUNDLE must not be empty when set')
      .refine((file) => existsSync(file), {
        error: (issue) => `no file at ${String(issue.input)} (scripts/build-workflow-bundle.ts writes one)`,
      })
      .optional(),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
    /** How long a held destructive command waits for its confirmation phrase. */
    CONFIRMATION_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
    /**
     * The principal releasing a held operation must not be the one that asked for it. `false` is for a
     * single-person setup with one token (the local owner of an open loopback setup may release its own
     * requests anyway); a request made over MCP always needs another principal.
     */
    REQUIRE_DISTINCT_CONFIRMER: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    /** Where people reach this system (e.g. https://infra.lan): held answers and notifications link there. */
    PUBLIC_URL: z
      .string()
      .trim()
      .url('PUBLIC_URL must be a URL, e.g. https://infra.lan')
      .refine((u) => /^https?:\/\//.test(u), 'PUBLIC_URL must be an http(s) URL')
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
    /**
     * An admin token accepted without being stored (hashed comparison): how the first admin gets in when
     * the fronts listen beyond loopback. Create scoped tokens with it (`infra token create`).
     */
    INFRA_ADMIN_TOKEN: z.string().min(24, 'INFRA_ADMIN_TOKEN must be at least 24 characters').optional(),
    /** Requests per minute per client (token, else address) on the API and MCP; 0 turns the limit off. */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
    /** Extra host names clients use to reach the API/MCP (Host header), comma-separated, e.g. `infra.lan`. */
    ALLOWED_HOSTS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      ),
    /** Schedules may be turned off for one-shot tools and tests. */
    POLLING_ENABLED: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    /** Days of snapshots kept per data type, e.g. `metrics=14,containers=7`; unnamed types keep their defaults. */
    RETENTION_DAYS: z
      .string()
      .default('')
      .transform((text, ctx) => {
        const days: Record<string, number> = {};
        for (const item of text
          .split(',')
          .map((i) => i.trim())
          .filter(Boolean)) {
          const match = /^([a-z_]+)=(\d{1,5})$/.exec(item);
          const [, dataType = '', value = '0'] = match ?? [];
          if (!match || !(DATA_TYPES as string[]).includes(dataType) || Number(value) < 1) {
            ctx.addIssue({
              code: 'custom',
              message: `"${item}": expected TYPE=DAYS with TYPE one of ${DATA_TYPES.join(', ')} and DAYS ≥ 1`,
            });
            return z.NEVER;
          }
          days[dataType] = Number(value);
        }
        return days;
      }),
    /** Days of audit rows kept; the retention schedule deletes older ones. */
    AUDIT_RETENTION_DAYS: z.coerce
      .number()
      .int()
      .min(1, 'AUDIT_RETENTION_DAYS must be at least 1')
      .max(36_500)
      .default(DEFAULT_AUDIT_RETENTION_DAYS),
  })
  .superRefine((c, ctx) => {
    // One part of a deployment never starts the embedded dev servers: those are for `all` on one machine.
    if (c.INFRA_ROLE === 'all') return;
    for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL'] as const) {
      if (c[name] === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${name} is required when INFRA_ROLE is ${c.INFRA_ROLE} (only INFRA_ROLE=all starts embedded servers)`,
        });
    }
  });

export type Config = z.infer<typeof ConfigSchema> & { dataDir: string };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads settings from the environment; a bad value stops the process with a message naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid settings:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.INFRA_DATA_DIR) };
}
