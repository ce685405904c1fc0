import type { Insertable, Kysely, Selectable } from 'kysely';
import type { AlertChannelsTable, AlertRulesTable, Database } from '../schema/database.ts';

export type AlertRule = Selectable<AlertRulesTable>;
export type AlertChannel = Selectable<AlertChannelsTable>;

export function listAlertRules(db: Kysely<Database>): Promise<AlertRule[]> {
  return db.selectFrom('alert_rules').selectAll().orderBy('created_at').execute();
}

/** Inserts a rule; undefined when one by that name exists. */
export function insertAlertRule(db: Kysely<Database>, rule: Insertable<AlertRulesTable>): Promise<AlertRule | undefined> {
  return db.insertInto('alert_rules').values(rule).onConflict((oc) => oc.column('name').doNothing()).returningAll().executeTakeFirst();
}

export function setAlertRuleEnabled(db: Kysely<Database>, id: string, enabled: boolean): Promise<AlertRule | undefined> {
  return db.updateTable('alert_rules').set({ enabled }).where('id', '=', id).returningAll().executeTakeFirst();
}

/** Whether a rule by that id was there to delete. */
export async function deleteAlertRule(db: Kysely<Database>, id: string): Promise<boolean> {
  const { numDeletedRows } = await db.deleteFrom('alert_rules').where('id', '=', id).executeTakeFirst();
  return numDeletedRows !== 0n;
}

export function listAlertChannels(db: Kysely<Database>): Promise<AlertChannel[]> {
  return db.selectFrom('alert_channels').selectAll().orderBy('created_at').execute();
}

/** Inserts a channel; undefined when one by that name exists. */
export function insertAlertChannel(db: Kysely<Database>, channel: Insertable<AlertChannelsTable>): Promise<AlertChannel | undefined> {
  return db.insertInto('alert_channels').values(channel).onConflict((oc) => oc.column('name').doNothing()).returningAll().executeTakeFirst();
}

/** A channel, enabled or not. */
export function findAlertChannel(db: Kysely<Database>, id: string): Promise<AlertChannel | undefined> {
  return db.selectFrom('alert_channels').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether a channel by that id was there to delete. */
export async function deleteAlertChannel(db: Kysely<Database>, id: string): Promise<boolean> {
  const { numDeletedRows } = await db.deleteFrom('alert_channels').where('id', '=', id).executeTakeFirst();
  return numDeletedRows !== 0n;
}

export async function enabledAlertChannelIds(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('alert_channels').select('id').where('enabled', '=', true).orderBy('created_at').execute()).map((c) => c.id);
}

/** The enabled channels, or only the one asked for if it is enabled. */
export function enabledAlertChannels(db: Kysely<Database>, onlyChannelId?: string): Promise<AlertChannel[]> {
  let query = db.selectFrom('alert_channels').selectAll().where('enabled', '=', true);
  if (onlyChannelId !== undefined) query = query.where('id', '=', onlyChannelId);
  return query.execute();
}
