import { EventEmitter } from 'node:events';
import pg from 'pg';
import { z } from 'zod';
import type { Logger } from '../platform/logger.ts';

/**
 * One live event: an audit row (collection, operation step, config change, maintenance, incident...) or a
 * device status change, as the database's triggers (migrations 0010, 0013) announce it; the rest of the
 * row's fields ride along.
 */
const InfraEvent = z.looseObject({
  kind: z.enum(['audit', 'device_status']),
  time: z.string(),
  device: z.string().nullable(),
});
export type InfraEvent = z.infer<typeof InfraEvent>;

const CHANNEL = 'infra_events';
const RECONNECT_MS = 2000;

/**
 * Fans PostgreSQL NOTIFY events out to subscribers in this process. The database is the bus: whichever
 * process wrote the row (a worker replica, the API), every API process hears it. One LISTEN connection,
 * reopened after a database restart; events during the gap are in the audit log (`GET /api/audit`).
 */
export class EventFeed {
  private readonly emitter = new EventEmitter();
  private client: pg.Client | null = null;
  private stopped = false;
  private reconnect: NodeJS.Timeout | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      // Written by whichever version's trigger is installed: one this version cannot read is logged and dropped.
      let event: z.ZodSafeParseResult<InfraEvent> | undefined;
      try {
        event = InfraEvent.safeParse(JSON.parse(msg.payload));
      } catch {
        event = undefined;
      }
      if (event?.success) this.emitter.emit('event', event.data);
      else
        this.logger.warn('unreadable event payload', {
          channel: msg.channel,
          error: event?.error.message ?? 'not JSON',
        });
    });
    client.on('error', (err) => {
      this.logger.warn('event listener lost the database; reconnecting', { error: err.message });
      this.retry();
    });
    client.on('end', () => this.retry());
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  subscribe(listener: (event: InfraEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private retry(): void {
    if (this.stopped || this.reconnect) return;
    this.client = null;
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      this.start().catch((err: unknown) => {
        this.logger.warn('event listener could not reconnect yet', { error: String(err) });
        this.retry();
      });
    }, RECONNECT_MS);
  }
}
