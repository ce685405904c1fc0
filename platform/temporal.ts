import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from './logger.ts';
import { installTemporalRuntime } from './temporal-runtime.ts';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';

export async function connectTemporal(address: string, namespace: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}

/**
 * A client on the native connection a worker in this process will use too. Only such a client can ask
 * for eager workflow start: the server hands the first workflow task back with the start answer, to
 * this process's worker, which saves a task-queue round (about a fifth of a fresh read).
 */
export async function connectTemporalShared(
  address: string,
  namespace: string,
  logger: Logger,
): Promise<{ client: Client; connection: NativeConnection }> {
  installTemporalRuntime(logger);
  const connection = await NativeConnection.connect({ address });
  return { client: new Client({ connection, namespace }), connection };
}

// The proto package is CommonJS: its namespace comes through the default export.
const { temporal } = proto;
const INDEXED_TYPE: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** Registers our search attributes in the namespace if missing (idempotent; needed before any start). */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = ALL_SEARCH_ATTRIBUTES.filter((a) => !known.has(a.name));
  if (missing.length === 0) return;
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_TYPE[a.type]!])),
    });
  } catch (err) {
    // Two processes starting together may race to add them; what matters is that they exist now.
    const again = await client.connection.operatorService.listSearchAttributes({ namespace });
    if (missing.some((a) => !Object.hasOwn(again.customAttributes ?? {}, a.name))) throw err;
  }
}
