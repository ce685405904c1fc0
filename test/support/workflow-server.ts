import { after, before } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createLogger } from '../../platform/logger.ts';
import { installTemporalRuntime } from '../../platform/temporal-runtime.ts';
import { testEnv } from './stack.ts';

/**
 * The shared dev server for a workflow test file: a client and a worker connection, opened before the
 * file's tests and closed after them. Call it inside the file's `describe`.
 */
export function useWorkflowServer(): { readonly client: Client; readonly native: NativeConnection } {
  let connection: Connection | undefined;
  let client: Client | undefined;
  let native: NativeConnection | undefined;
  before(async () => {
    installTemporalRuntime(createLogger('error', 'test'));
    connection = await Connection.connect({ address: testEnv().temporalAddress });
    client = new Client({ connection });
    native = await NativeConnection.connect({ address: testEnv().temporalAddress });
  });
  after(async () => {
    await connection?.close();
    await native?.close();
  });
  return {
    get client() {
      if (!client) throw new Error('the workflow server is not connected yet: use it inside a test');
      return client;
    },
    get native() {
      if (!native) throw new Error('the workflow server is not connected yet: use it inside a test');
      return native;
    },
  };
}
