import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `infra`: a thin client of the HTTP API (INFRA_API_URL, default http://127.0.0.1:$API_PORT). It never
 * talks to devices or the database itself, so what it does is audited like any API call (trigger `cli`).
 */
const USAGE = `usage:
  infra device add <hostname> [--address A] [--port N] [--user U] [--key PATH] [--type T] [--tag T]... [--location L] [--no-monitoring]
  infra device list [--json]
  infra device rm <hostname>
  infra device import <ssh_config> [--dry-run] [--user U] [--key PATH]
  infra get <device> <data_type> [--fresh]
`;

const apiUrl = process.env.INFRA_API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? '9101'}`;

class CliError extends Error {}

async function call(method: string, route: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(route, apiUrl), {
      method,
      headers: { 'content-type': 'application/json', 'x-infra-client': 'cli' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`cannot reach the API at ${apiUrl} (${(err as Error).cause ?? (err as Error).message}); is \`npm start\` running?`);
  }
  if (res.status === 204) return null;
  const payload = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: unknown } } | null;
  if (!res.ok) {
    const e = payload?.error;
    const details = e?.details ? `\n${JSON.stringify(e.details, null, 2)}` : '';
    throw new CliError(`${res.status} ${e?.code ?? 'error'}: ${e?.message ?? res.statusText}${details}`);
  }
  return payload;
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

async function main(argv: string[]): Promise<void> {
  const [group, sub, ...rest] = argv;
  if (group === 'device' && sub === 'add') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        address: { type: 'string' }, port: { type: 'string' }, user: { type: 'string' }, key: { type: 'string' },
        type: { type: 'string' }, tag: { type: 'string', multiple: true }, location: { type: 'string' }, 'no-monitoring': { type: 'boolean' },
      },
    });
    const hostname = positionals[0];
    if (!hostname || positionals.length > 1) throw new CliError(USAGE);
    print(await call('POST', '/api/devices', {
      hostname,
      address: values.address,
      port: values.port === undefined ? undefined : Number(values.port),
      username: values.user,
      identity_file: values.key === undefined ? undefined : path.resolve(values.key),
      device_type: values.type,
      tags: values.tag,
      location: values.location,
      monitoring_enabled: values['no-monitoring'] ? false : undefined,
    }));
    return;
  }
  if (group === 'device' && sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
    const { devices } = (await call('GET', '/api/devices')) as { devices: Array<Record<string, unknown>> };
    if (values.json) {
      print(devices);
      return;
    }
    const rows = devices.map((d) => [d.hostname, `${d.username}@${d.address}:${d.port}`, d.device_type, d.status, d.last_seen ?? '-', d.monitoring_enabled ? 'on' : 'off']);
    table([['HOSTNAME', 'TARGET', 'TYPE', 'STATUS', 'LAST SEEN', 'POLLING'], ...rows.map((r) => r.map(String))]);
    return;
  }
  if (group === 'device' && sub === 'rm') {
    const hostname = rest[0];
    if (!hostname || rest.length > 1) throw new CliError(USAGE);
    await call('DELETE', `/api/devices/${encodeURIComponent(hostname)}`);
    process.stdout.write(`removed ${hostname}\n`);
    return;
  }
  if (group === 'device' && sub === 'import') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { 'dry-run': { type: 'boolean' }, user: { type: 'string' }, key: { type: 'string' } },
    });
    const file = positionals[0];
    if (!file) throw new CliError(USAGE);
    const config = await readFile(file, 'utf8');
    print(await call('POST', '/api/devices/import', {
      config,
      dry_run: values['dry-run'] ?? false,
      defaults: { username: values.user, identity_file: values.key === undefined ? undefined : path.resolve(values.key) },
    }));
    return;
  }
  if (group === 'get') {
    const { values, positionals } = parseArgs({ args: [sub ?? '', ...rest].filter(Boolean), allowPositionals: true, options: { fresh: { type: 'boolean' } } });
    const [device, dataType] = positionals;
    if (!device || !dataType) throw new CliError(USAGE);
    const query = values.fresh ? '?force_refresh=true' : '';
    print(await call('GET', `/api/devices/${encodeURIComponent(device)}/${encodeURIComponent(dataType)}${query}`));
    return;
  }
  throw new CliError(USAGE);
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof CliError ? err.message : (err as Error).stack}\n`);
  process.exitCode = 1;
}
