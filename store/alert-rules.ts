import type { Insertable, Kysely, Selectable } from 'kysely';
import type { AlertChannelsTable, AlertRulesTable, Database } from '../schema/database.ts';

export type AlertRule = Selectable<AlertRulesTable>;
export type AlertChannel = Selectable<AlertChannelsTable>;

/** Alert rules and the channels notifications go to. */
export class AlertRuleRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  listRules(): Promise<AlertRule[]> {
    return this.#db.selectFrom('alert_rules').selectAll().orderBy('created_at').execute();
  }

  /** Inserts a rule; undefined when one by that name exists. */
  insertRule(rule: Insertable<AlertRulesTable>): Promise<AlertRule | undefined> {
    return this.#db
      .insertInto('alert_rules')
      .values(rule)
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  setRuleEnabled(id: string, enabled: boolean): Promise<AlertRule | undefined> {
    return this.#db.updateTable('alert_rules').set({ enabled }).where('id', '=', id).returningAll().executeTakeFirst();
  }

  /** Whether a rule by that id was there to delete. */
  async deleteRule(id: string): Promise<boolean> {
    const { numDeletedRows } = await this.#db.deleteFrom('alert_rules').where('id', '=', id).executeTakeFirst();
    return numDeletedRows !== 0n;
  }

  listChannels(): Promise<AlertChannel[]> {
    return this.#db.selectFrom('alert_channels').selectAll().orderBy('created_at').execute();
  }

  /** Inserts a channel; undefined when one by that name exists. */
  insertChannel(channel: Insertable<AlertChannelsTable>): Promise<AlertChannel | undefined> {
    return this.#db
      .insertInto('alert_channels')
      .values(channel)
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  /** A channel, enabled or not. */
  findChannel(id: string): Promise<AlertChannel | undefined> {
    return this.#db.selectFrom('alert_channels').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Whether a channel by that id was there to delete. */
  async deleteChannel(id: string): Promise<boolean> {
    const { numDeletedRows } = await this.#db.deleteFrom('alert_channels').where('id', '=', id).executeTakeFirst();
    return numDeletedRows !== 0n;
  }

  async enabledChannelIds(): Promise<string[]> {
    return (
      await this.#db
        .selectFrom('alert_channels')
        .select('id')
        .where('enabled', '=', true)
        .orderBy('created_at')
        .execute()
    ).map((c) => c.id);
  }

  /** The enabled channels, or only the one asked for if it is enabled. */
  enabledChannels(onlyChannelId?: string): Promise<AlertChannel[]> {
    let query = this.#db.selectFrom('alert_channels').selectAll().where('enabled', '=', true);
    if (onlyChannelId !== undefined) query = query.where('id', '=', onlyChannelId);
    return query.execute();
  }
}
