import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `infra`: a thin client of the HTTP API (INFRA_API_URL, default http://127.0.0.1:$API_PORT). It never
 * talks to devices or the database itself, so what it does is audited like any API call (trigger `cli`).
 * When the API requires tokens, INFRA_API_TOKEN carries one.
 */
const USAGE = `usage:
  infra demo                              the embedded system with simulated devices (no servers needed)
  infra device add <hostname> [--address A] [--port N] [--user U] [--key PATH] [--type T] [--tag T]... [--location L] [--no-monitoring]
  infra device list [--json]
  infra device rm <hostname>
  infra device import <ssh_config> [--dry-run] [--user U] [--key PATH]
  infra get <device> <data_type> [--fresh]
  infra exec <device> -- <command...>     (destructive commands are held until a person confirms them)
  infra container <start|stop|restart|remove|inspect|logs|exec> <device> <name>... [--force] [--volumes] [--timeout S]
                  [--tail N] [--since 15m|ISO] [--timestamps] [-- <command...> (exec)]
  infra guest <device> <vmid> <start|stop|shutdown|reboot|suspend|resume>   a Proxmox VM or container
  infra logs <device> --unit <unit> [--tail N] [--since 15m|ISO]
  infra maintenance <device> on [--keep NAME]... [--include NAME]... [--reason TEXT]   (asks for the phrase)
  infra maintenance <device> off|status
  infra restart <device> <compose_service> [--project P]   the service, then its dependents in depends_on order
  infra proxy list <device> [--conf-dir DIR] [--container NAME | --host] [--json]   confs, upstreams, broken ones
  infra proxy add <device> <name> --upstream APP:PORT [--https] [--subfolder [--path /P]] [--subdomain S] [--domain D]
                  [--auth authelia|authentik] [--websocket] [--conf-dir DIR] [--container NAME | --host] [--check-url URL]
                                                   write, nginx -t, reload, check; undone on failure (replacing asks for the phrase)
  infra proxy remove <device> <file> [--conf-dir DIR] [--container NAME | --host]   (asks for the phrase)
  infra stacks list <device> [--fresh]             compose stacks: services, images, state, ports
  infra stacks show <device> <name>                its file, parsed form, env file keys (no values), digests
  infra stacks deploy <device> <name> <compose_file> [--deadline S]   refused on a taken port; removed again if it fails
  infra stacks update <device> <name> [--file F] [--tag SERVICE=TAG]... [--image SERVICE=REF]... [--env SERVICE:KEY=VALUE]...
                  [--deadline S]                   reverted to the previous file and digests if it does not come up
  infra stacks pull|restart|down <device> <name>   (down asks for the phrase)
  infra stacks remove <device> <name> [--volumes]  (asks for the phrase; --volumes deletes their data)
  infra diagnose [device] [--focus performance|storage|containers|all]
  infra incident list [--device D] [--state awaiting_replacement|rebuilding|closed]
  infra incident show <incident_id>
  infra incident replaced <incident_id> [--note TEXT]      the disk was swapped: follow the rebuild
  infra zfs snapshot <device> <dataset@name> [--recursive]
  infra zfs snapshots <device> [--dataset D] [--pattern GLOB] [--older-than 30d|ISO] [--limit N]
  infra zfs prune <device> <dataset> [--keep-last N] [--hourly N] [--daily N] [--weekly N] [--monthly N] [--yearly N]
                  [--pattern GLOB] [--recursive] [--dry-run]   destroying is held until a person confirms
  infra zfs clone <device> <dataset@snapshot> <new_dataset> [--parents]
  infra zfs get <device> <dataset> [property,...]
  infra zfs set <device> <dataset> <property=value>   readonly, mountpoint, canmount, sharenfs... are held
  infra zfs scrub <device> <pool> [--stop]
  infra zfs events <device> [--pool P] [--limit N]
  infra zfs replicate <device>:<dataset> <device>:<dataset> [--snapshot NAME] [--intermediates] [--force]
                  zfs send | zfs receive between two devices, resumable; --force (rollback of the target) is held
  infra zfs replication <replication_id>
  infra config files <device>                      watched configuration files and how they are watched
  infra config watch|unwatch <device> <path>       add or remove a watched file or directory
  infra config history <device> <path>             every stored version of a file
  infra config show <snapshot_id> [--raw]          one version and its meaning; secrets hidden (--raw: admin only)
  infra config diff <from_snapshot> <to_snapshot>  unified and semantic diff
  infra config changes [--device D] [--since ISO] [--limit N]
  infra config rollback <snapshot_id>              put a version back (asks for the confirmation phrase)
  infra token create <name> --scope read|operate|confirm|admin[,...] [--expires-days N]
                                                   prints the token once (INFRA_API_TOKEN for the CLI)
  infra token list
  infra token revoke <token_id>
  infra confirm <operation_id> [<phrase>]          shows a held operation and its phrase to a confirmer, asks for it
  infra cancel <operation_id>
  infra operation <operation_id>
`;

const apiUrl = process.env.INFRA_API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? '9101'}`;

/** A failure the CLI explains in one line (exit status 1). */
class CliError extends Error {}
/** The CLI was called wrongly: one line saying what is wrong and where the right form is (exit status 2). */
class UsageError extends Error {}

const SEE_HELP = 'see `infra --help`';

/** The usage line of the command `infra <group> <sub>` (the first of its group when `sub` names none), without its description. */
function synopsisOf(group: string | undefined, sub: string | undefined): string | undefined {
  const lines = USAGE.split('\n').map((line) => line.trim().split(/\s{2,}/)[0] ?? '').filter((line) => line.startsWith('infra '));
  const words = (line: string) => line.split(' ');
  const ofGroup = lines.filter((line) => words(line)[1] === group);
  return ofGroup.find((line) => (words(line)[2] ?? '').replace(/^<|>$/g, '').split('|').includes(sub ?? '')) ?? ofGroup[0];
}

/** Node's parseArgs complaint (`Unknown option '--bogus'`) as ours, or null for any other error. */
function optionMistake(err: unknown): string | null {
  const { code, message } = err as { code?: unknown; message?: string };
  const quoted = /'([^']*)'/.exec(message ?? '')?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(message ?? '') ? `option ${quoted.split(' ')[0]} needs a value` : `option ${quoted} takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}`;
    default:
      return null;
  }
}

/** Whom the CLI acts for, recorded beside the token's identity (`on_behalf_of`): the local login. */
const cliUser = `${userInfo().username.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 50)}@cli`;

async function request(method: string, route: string, body?: unknown): Promise<{ status: number; payload: Record<string, unknown> | null }> {
  let res: Response;
  try {
    res = await fetch(new URL(route, apiUrl), {
      method,
      headers: {
        'content-type': 'application/json',
        'x-infra-client': 'cli',
        'x-infra-user': cliUser,
        ...(process.env.INFRA_API_TOKEN && { authorization: `Bearer ${process.env.INFRA_API_TOKEN}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`cannot reach the API at ${apiUrl} (${(err as Error).cause ?? (err as Error).message}); is \`npm start\` running?`);
  }
  if (res.status === 204) return { status: 204, payload: null };
  return { status: res.status, payload: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

function failure(status: number, payload: Record<string, unknown> | null): CliError {
  const e = payload?.error as { code?: string; message?: string; details?: unknown } | undefined;
  const details = e?.details ? ` ${JSON.stringify(e.details)}` : '';
  return new CliError(`${status} ${e?.code ?? 'error'}: ${e?.message ?? 'request failed'}${details}`);
}

async function call(method: string, route: string, body?: unknown): Promise<unknown> {
  const { status, payload } = await request(method, route, body);
  if (status >= 400) throw failure(status, payload);
  return payload;
}

/**
 * Prints a held operation. Its phrase is shown only to a caller allowed to release it (a token with the
 * confirm scope that did not ask for it, or the local owner where REQUIRE_DISTINCT_CONFIRMER=false);
 * then, at a terminal, it asks for the phrase until it is right or attempts run out.
 */
async function confirmInteractively(operationId: string): Promise<void> {
  const op = printableDeep((await call('GET', `/api/operations/${encodeURIComponent(operationId)}`)) as OperationAnswer);
  const out = process.stdout;
  const a = op.assessment;
  out.write(`\nDESTRUCTIVE COMMAND HELD on ${op.device} (risk ${a?.risk_level ?? '?'}, operation ${op.operation_id})\n`);
  out.write(`  command: ${op.command}\n  requested by: ${op.requested_by.name}${op.requested_by.on_behalf_of ? ` (for ${op.requested_by.on_behalf_of})` : ''}\n`);
  for (const r of a?.reasons ?? []) out.write(`  - ${r}\n`);
  for (const w of a?.safety_warnings ?? []) out.write(`  ! ${w}\n`);
  if (a) out.write(`  affected: ${a.affected_count}; downtime: ${a.estimated_downtime ?? 'n/a'}\n`);
  for (const alt of a?.safer_alternatives ?? []) out.write(`  safer: ${alt}\n`);
  if (op.state !== 'awaiting_confirmation') throw new CliError(`operation ${op.operation_id} is ${op.state}; nothing to confirm`);
  if (!op.confirmation_phrase) {
    out.write(
      `\nA person with the confirm scope, other than the requester, releases it before ${op.expires_at}:\n` +
        `  infra confirm ${op.operation_id}   (with their own INFRA_API_TOKEN)   or cancel it: infra cancel ${op.operation_id}\n`,
    );
    process.exitCode = 3;
    return;
  }
  out.write(`\nTo run it, type exactly:  ${op.confirmation_phrase}\n(expires ${op.expires_at})\n`);
  if (!process.stdin.isTTY) {
    out.write(`Not a terminal: confirm with  infra confirm ${op.operation_id} '<the phrase>'  or cancel with  infra cancel ${op.operation_id}\n`);
    process.exitCode = 3;
    return;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (;;) {
      const phrase = (await rl.question('phrase (empty to cancel)> ')).trim();
      if (phrase === '') {
        await call('POST', `/api/operations/${op.operation_id}/cancel`, {});
        out.write('cancelled; nothing ran\n');
        return;
      }
      const { status, payload } = await request('POST', `/api/operations/${op.operation_id}/confirm`, { phrase });
      if (status === 422) {
        out.write(`${(payload?.error as { message: string }).message}\n`);
        continue;
      }
      if (status >= 400) throw failure(status, payload);
      printResult(payload!);
      return;
    }
  } finally {
    rl.close();
  }
}

/**
 * What an agent wrote (its command, its client name) is shown to the person about to type a phrase:
 * control characters could move the cursor and rewrite the screen, so they are shown as escapes.
 */
function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/[\p{Cc}\p{Cf}]/gu, (c) => (c === '\n' ? c : `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`)) as T;
  if (Array.isArray(value)) return value.map(printableDeep) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printableDeep(v)])) as T;
  return value;
}

interface OperationAnswer {
  operation_id: string;
  device: string;
  command: string;
  state: string;
  expires_at: string | null;
  requested_by: { id: string; name: string; on_behalf_of: string | null };
  assessment: { risk_level: string; reasons: string[]; safety_warnings: string[]; safer_alternatives: string[]; affected_count: number; estimated_downtime: string | null } | null;
  confirmation_phrase?: string;
}

function printResult(result: Record<string, unknown>): void {
  process.stdout.write(String(result.stdout ?? ''));
  process.stderr.write(String(result.stderr ?? ''));
  if (typeof result.note === 'string') process.stderr.write(`${result.note}\n`);
  if (result.stdout_truncated || result.stderr_truncated) process.stderr.write(`[output truncated at ${String(result.output_limit_bytes)} bytes per stream]\n`);
  process.exitCode = typeof result.exit_code === 'number' ? result.exit_code : 1;
}

/** The answer of anything that ran as an operation: its output, or the confirmation dialogue when held. */
async function operation({ status, payload }: { status: number; payload: Record<string, unknown> | null }): Promise<void> {
  if (status === 200) return printResult(payload!);
  if (status === 409 && payload?.status === 'DESTRUCTIVE_ACTION_BLOCKED') return confirmInteractively(String(payload.operation_id));
  if (status === 409 && payload?.status === 'BLOCKED_BY_DEVICE_RULE') throw new CliError(`blocked by a device rule: ${String(payload.reason)}`);
  throw failure(status, payload);
}

/** `--tag web=1.27`, `--image web=nginx:1.27`, `--env web:KEY=VALUE` as a stack patch. */
function stackPatch(values: { tag?: string[] | undefined; image?: string[] | undefined; env?: string[] | undefined }): { services: Record<string, Record<string, unknown>> } {
  const services: Record<string, Record<string, unknown>> = {};
  const of = (service: string) => (services[service] ??= {});
  const split = (text: string, separator: string, what: string): [string, string] => {
    const at = text.indexOf(separator);
    if (at <= 0) throw new UsageError(`${what} ${JSON.stringify(text)}: expected ${what === '--env' ? 'SERVICE:KEY=VALUE' : `SERVICE=${what === '--tag' ? 'TAG' : 'REF'}`}; ${SEE_HELP}`);
    return [text.slice(0, at), text.slice(at + 1)];
  };
  for (const t of values.tag ?? []) of(split(t, '=', '--tag')[0]).tag = split(t, '=', '--tag')[1];
  for (const i of values.image ?? []) of(split(i, '=', '--image')[0]).image = split(i, '=', '--image')[1];
  for (const e of values.env ?? []) {
    const [service, assignment] = split(e, ':', '--env');
    const [key, value] = split(assignment, '=', '--env');
    ((of(service).environment ??= {}) as Record<string, string>)[key] = value;
  }
  if (Object.keys(services).length === 0) throw new UsageError(`stacks update needs --file, --tag, --image or --env; ${SEE_HELP}`);
  return { services };
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** `infra zfs …` besides `snapshot`: each a thin call of the /zfs routes. */
async function zfs(sub: string, rest: string[]): Promise<void> {
  const count = { type: 'string' } as const;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      dataset: { type: 'string' }, pattern: { type: 'string' }, 'older-than': { type: 'string' }, limit: count, pool: { type: 'string' },
      'keep-last': count, hourly: count, daily: count, weekly: count, monthly: count, yearly: count,
      recursive: { type: 'boolean', short: 'r' }, 'dry-run': { type: 'boolean' }, parents: { type: 'boolean', short: 'p' }, stop: { type: 'boolean' },
      snapshot: { type: 'string' }, intermediates: { type: 'boolean' }, force: { type: 'boolean' },
    },
  });
  const [device = '', a, b] = positionals;
  const on = `/api/devices/${encodeURIComponent(device)}/zfs`;
  const defined = (entries: Record<string, string | undefined>) => Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));
  const numbers = (entries: Record<string, string | undefined>) => Object.fromEntries(Object.entries(defined(entries)).map(([k, v]) => [k, Number(v)]));
  if (sub === 'snapshots' && device) {
    return void print(await call('GET', `${on}/snapshots?${new URLSearchParams(defined({ dataset: values.dataset, name_pattern: values.pattern, older_than: values['older-than'], limit: values.limit }))}`));
  }
  if (sub === 'prune' && device && a) {
    const body = {
      dataset: a,
      ...numbers({ keep_last: values['keep-last'], hourly: values.hourly, daily: values.daily, weekly: values.weekly, monthly: values.monthly, yearly: values.yearly }),
      ...defined({ name_pattern: values.pattern }),
      recursive: values.recursive ?? false,
      dry_run: values['dry-run'] ?? false,
    };
    const answer = await request('POST', `${on}/snapshots/prune`, body);
    const plan = answer.payload?.plan as { keep: Array<{ name: string; reasons: string[] }>; destroy: Array<{ name: string }> } | undefined;
    if (plan) {
      for (const kept of plan.keep) process.stdout.write(`keep     ${kept.name}  (${kept.reasons.join(', ')})\n`);
      for (const doomed of plan.destroy) process.stdout.write(`destroy  ${doomed.name}\n`);
    }
    if (answer.status === 200 && !answer.payload?.operation_id) return;
    return operation(answer);
  }
  if (sub === 'clone' && device && a && b) return operation(await request('POST', `${on}/clones`, { snapshot: a, target: b, create_parents: values.parents ?? false }));
  if (sub === 'get' && device && a) return void print(await call('GET', `${on}/properties?${new URLSearchParams(defined({ dataset: a, properties: b }))}`));
  if (sub === 'set' && device && a && b?.includes('=')) {
    const at = b.indexOf('=');
    return operation(await request('PATCH', `${on}/properties`, { dataset: a, property: b.slice(0, at), value: b.slice(at + 1) }));
  }
  if (sub === 'scrub' && device && a) return operation(await request('POST', `${on}/pools/${encodeURIComponent(a)}/scrub`, { action: values.stop ? 'stop' : 'start' }));
  if (sub === 'events' && device) return void print(await call('GET', `${on}/events?${new URLSearchParams(defined({ pool: values.pool, limit: values.limit }))}`));
  if (sub === 'replication' && device) return void print(await call('GET', `/api/zfs/replications/${encodeURIComponent(device)}`));
  if (sub === 'replicate' && device.includes(':') && a?.includes(':')) {
    const [sourceDevice, sourceDataset] = [device.slice(0, device.indexOf(':')), device.slice(device.indexOf(':') + 1)];
    const [targetDevice, targetDataset] = [a.slice(0, a.indexOf(':')), a.slice(a.indexOf(':') + 1)];
    const body = { source_device: sourceDevice, source_dataset: sourceDataset, target_device: targetDevice, target_dataset: targetDataset, ...defined({ snapshot: values.snapshot }), intermediates: values.intermediates ?? false, force: values.force ?? false };
    const answer = await request('POST', '/api/zfs/replications', body);
    if (answer.status === 409 && answer.payload?.status === 'DESTRUCTIVE_ACTION_BLOCKED') return operation(answer);
    if (answer.status >= 400) throw failure(answer.status, answer.payload);
    let replication = answer.payload!.replication as { replication_id: string; phase: string };
    // Follows the transfer: it may take hours; Ctrl-C leaves it running (`infra zfs replication <id>`).
    while (replication.phase === 'transferring' || replication.phase === 'planning') {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      replication = ((await call('GET', `/api/zfs/replications/${replication.replication_id}`)) as { replication: typeof replication }).replication;
    }
    print({ replication });
    if (replication.phase === 'failed' || replication.phase === 'cancelled') throw new CliError(`replication ${replication.phase}`);
    return;
  }
  throw new UsageError(`${synopsisOf('zfs', sub) ?? 'infra zfs …'}; ${SEE_HELP}`);
}

async function main(argv: string[]): Promise<void> {
  const [group, sub, ...rest] = argv;
  // `--help` among a command's options asks for help too; exec's words (with or without `--`) are the device's.
  const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (group === undefined || ['help', '--help', '-h'].includes(group) || (group !== 'exec' && options.includes('--help'))) {
    process.stdout.write(USAGE);
    return;
  }
  const usage = () => {
    const synopsis = synopsisOf(group, sub);
    return new UsageError(synopsis ? `usage: ${synopsis}; ${SEE_HELP}` : `unknown command ${group}; ${SEE_HELP}`);
  };
  if (group === 'demo' && sub === undefined) {
    await import('../platform/demo.ts');
    return;
  }
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
    if (!hostname || positionals.length > 1) throw usage();
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
    if (!hostname || rest.length > 1) throw usage();
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
    if (!file) throw usage();
    const config = await readFile(file, 'utf8').catch((err: Error) => {
      throw new CliError(`cannot read ${file} (${err.message}); give the path of an OpenSSH client config such as ~/.ssh/config`);
    });
    print(await call('POST', '/api/devices/import', {
      config,
      dry_run: values['dry-run'] ?? false,
      defaults: { username: values.user, identity_file: values.key === undefined ? undefined : path.resolve(values.key) },
    }));
    return;
  }
  if (group === 'exec') {
    const args = argv.slice(1);
    const dash = args.indexOf('--');
    const device = args[0];
    const command = dash >= 0 ? args.slice(dash + 1).join(' ') : args.slice(1).join(' ');
    if (!device || device === '--' || !command) throw usage();
    return operation(await request('POST', `/api/devices/${encodeURIComponent(device)}/exec`, { command }));
  }
  if (group === 'container' && sub) {
    const dash = rest.indexOf('--');
    const { values, positionals } = parseArgs({
      args: dash >= 0 ? rest.slice(0, dash) : rest,
      allowPositionals: true,
      options: {
        force: { type: 'boolean' }, volumes: { type: 'boolean' }, timeout: { type: 'string' },
        tail: { type: 'string' }, since: { type: 'string' }, timestamps: { type: 'boolean' },
      },
    });
    const [device, ...containers] = positionals;
    if (!device || containers.length === 0) throw usage();
    const answer = await request('POST', `/api/devices/${encodeURIComponent(device)}/containers/actions`, {
      action: sub,
      containers,
      force: values.force,
      volumes: values.volumes,
      timeout_seconds: values.timeout === undefined ? undefined : Number(values.timeout),
      tail: values.tail === undefined ? undefined : Number(values.tail),
      since: values.since,
      timestamps: values.timestamps,
      command: dash >= 0 ? rest.slice(dash + 1).join(' ') : undefined,
    });
    if (answer.status === 200 && sub === 'inspect') {
      print(answer.payload?.inspect);
      return;
    }
    if (answer.status === 200 && answer.payload?.after) {
      for (const c of answer.payload.after as Array<{ name: string; state: string | null; status: string | null }>) {
        process.stderr.write(`${c.name}: ${c.state === null ? 'gone' : `${c.state} (${c.status})`}\n`);
      }
    }
    return operation(answer);
  }
  if (group === 'guest' && sub) {
    const [vmid, action] = rest;
    if (!vmid || !action || rest.length > 2) throw usage();
    const answer = await request('POST', `/api/devices/${encodeURIComponent(sub)}/guests/${encodeURIComponent(vmid)}/${encodeURIComponent(action)}`, {});
    if (answer.status === 200 && answer.payload && 'after' in answer.payload) {
      const after = answer.payload.after as { status: string; lock: string | null } | null;
      process.stderr.write(`${vmid}: ${after === null ? 'gone' : `${after.status}${after.lock ? ` (locked: ${after.lock})` : ''}`}\n`);
    }
    return operation(answer);
  }
  if (group === 'maintenance' && sub) {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { keep: { type: 'string', multiple: true }, include: { type: 'string', multiple: true }, reason: { type: 'string' } },
    });
    const route = `/api/devices/${encodeURIComponent(sub)}/maintenance`;
    if (positionals[0] === 'status' && positionals.length === 1) return void print(await call('GET', route));
    if (positionals[0] === 'off' && positionals.length === 1) return void print(await call('POST', route, { enable: false }));
    if (positionals[0] !== 'on' || positionals.length !== 1) throw usage();
    const answer = await request('POST', route, { enable: true, keep: values.keep, include: values.include, reason: values.reason });
    const plan = (answer.payload?.maintenance as { plan?: { stop: string[]; kept: Array<{ name: string; reason: string }> } } | undefined)?.plan;
    if (plan) {
      process.stderr.write(`stops, in this order: ${plan.stop.join(', ') || 'nothing'}\n`);
      for (const k of plan.kept) process.stderr.write(`keeps ${k.name}: ${k.reason}\n`);
    }
    if (answer.status === 200) return void print(answer.payload);
    return operation(answer);
  }
  if (group === 'restart' && sub) {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { project: { type: 'string' } } });
    const [service] = positionals;
    if (!service || positionals.length > 1) throw usage();
    const answer = await request('POST', `/api/devices/${encodeURIComponent(sub)}/compose/services/${encodeURIComponent(service)}/restart`, { project: values.project });
    const steps = (answer.payload?.restart ?? (answer.payload?.error as { details?: { restart?: unknown } } | undefined)?.details?.restart) as { steps: Array<{ service: string; state: string; detail: string | null }> } | undefined;
    for (const step of steps?.steps ?? []) process.stderr.write(`${step.service}: ${step.state}${step.detail ? ` — ${step.detail}` : ''}\n`);
    if (answer.status === 200) return;
    return operation(answer);
  }
  if (group === 'proxy' && sub) {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        'conf-dir': { type: 'string' }, container: { type: 'string' }, host: { type: 'boolean' }, json: { type: 'boolean' },
        upstream: { type: 'string' }, https: { type: 'boolean' }, subfolder: { type: 'boolean' }, path: { type: 'string' },
        subdomain: { type: 'string' }, domain: { type: 'string' }, auth: { type: 'string' }, websocket: { type: 'boolean' }, 'check-url': { type: 'string' },
      },
    });
    const [device, target] = positionals;
    if (!device) throw usage();
    const location = { conf_dir: values['conf-dir'], ...(values.container ? { container: values.container } : values.host ? { proxy: 'host' } : {}) };
    const query = new URLSearchParams(Object.entries(location).filter((e): e is [string, string] => e[1] !== undefined));
    const route = `/api/devices/${encodeURIComponent(device)}/proxy-confs`;
    if (sub === 'list' && positionals.length === 1) {
      const listed = (await call('GET', `${route}?${query}`)) as { proxy: { mode: string; container: string | null; conf_dir: string }; confs: Array<{ file: string; server_names: string[]; locations: string[]; parse_error: string | null; upstreams: Array<{ url: string; state: string; container_state: string | null }> }>; insights: Array<{ message: string }> };
      if (values.json) return void print(listed);
      process.stdout.write(`${listed.proxy.conf_dir} (${listed.proxy.mode === 'container' ? `container ${listed.proxy.container}` : 'host nginx'})
`);
      for (const c of listed.confs) {
        const upstreams = c.upstreams.map((u) => `${u.url} [${u.state}${u.container_state && u.state !== 'running' ? `: ${u.container_state}` : ''}]`).join(', ');
        process.stdout.write(`  ${c.file}  ${[...c.server_names, ...c.locations].join(' ')}  → ${c.parse_error ? `unreadable: ${c.parse_error}` : upstreams || 'no upstream'}
`);
      }
      for (const i of listed.insights) process.stdout.write(`  [warning] ${i.message}
`);
      return;
    }
    const report = (answer: { payload: Record<string, unknown> | null }) => {
      const view = (answer.payload?.proxy_conf ?? (answer.payload?.error as { details?: { proxy_conf?: unknown } } | undefined)?.details?.proxy_conf) as { path: string | null; phase: string; validation: { command: string; output: string } | null; answer: { detail: string } | null } | undefined;
      if (!view) return;
      process.stderr.write(`${view.path ?? '?'}: ${view.phase}
`);
      if (view.validation) process.stderr.write(`${view.validation.command}:
${view.validation.output}
`);
      if (view.answer) process.stderr.write(`check: ${view.answer.detail}
`);
    };
    if (sub === 'add' && positionals.length === 2) {
      const upstream = /^([^:]+):(\d+)$/.exec(values.upstream ?? '');
      if (!upstream) throw new UsageError(`--upstream APP:PORT is required (e.g. --upstream jellyfin:8096); ${SEE_HELP}`);
      const answer = await request('POST', route, {
        name: target,
        kind: values.subfolder ? 'subfolder' : 'subdomain',
        subdomain: values.subdomain,
        domain: values.domain,
        path: values.path,
        upstream_app: upstream[1],
        upstream_port: Number(upstream[2]),
        upstream_proto: values.https ? 'https' : 'http',
        auth: values.auth,
        websocket: values.websocket,
        conf_dir: values['conf-dir'],
        proxy: values.container ? { container: values.container } : values.host ? 'host' : undefined,
        check_url: values['check-url'],
      });
      report(answer);
      if (answer.status === 200) return;
      return operation(answer);
    }
    if (sub === 'remove' && positionals.length === 2) {
      const answer = await request('DELETE', `${route}/${encodeURIComponent(target!)}?${query}`);
      report(answer);
      if (answer.status === 200) return;
      return operation(answer);
    }
    throw usage();
  }
  if (group === 'stacks' && sub) {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        fresh: { type: 'boolean' }, deadline: { type: 'string' }, file: { type: 'string' }, volumes: { type: 'boolean' },
        tag: { type: 'string', multiple: true }, image: { type: 'string', multiple: true }, env: { type: 'string', multiple: true },
      },
    });
    const [device, name, composeFile] = positionals;
    if (!device) throw usage();
    const base = `/api/devices/${encodeURIComponent(device)}/stacks`;
    if (sub === 'list' && positionals.length === 1) return void print(await call('GET', `${base}${values.fresh ? '?force_refresh=true' : ''}`));
    if (!name) throw usage();
    if (sub === 'show' && positionals.length === 2) return void print(await call('GET', `${base}/${encodeURIComponent(name)}`));
    const deadline = values.deadline === undefined ? {} : { deadline_seconds: Number(values.deadline) };
    let answer;
    if (sub === 'deploy' && composeFile && positionals.length === 3) {
      answer = await request('POST', base, { name, compose: await readFile(composeFile, 'utf8'), ...deadline });
    } else if (sub === 'update' && positionals.length === 2) {
      answer = await request('PATCH', `${base}/${encodeURIComponent(name)}`, values.file ? { compose: await readFile(values.file, 'utf8'), ...deadline } : { patch: stackPatch(values), ...deadline });
    } else if (['pull', 'restart', 'down', 'remove'].includes(sub) && positionals.length === 2) {
      answer = await request('POST', `${base}/${encodeURIComponent(name)}/${sub}`, sub === 'remove' ? { volumes: values.volumes ?? false } : deadline);
    } else {
      throw usage();
    }
    const view = (answer.payload?.stack ?? (answer.payload?.error as { details?: { stack?: unknown } } | undefined)?.details?.stack) as
      | { phase: string; diff: { text: string } | null; error: { message: string; logs?: string } | null; digests: { before: Record<string, string>; after: Record<string, string> } | null }
      | undefined;
    if (view?.diff?.text) process.stderr.write(view.diff.text);
    if (view?.digests) for (const [service, before] of Object.entries(view.digests.before)) process.stderr.write(`${service}: ${before} -> ${view.digests.after[service] ?? 'gone'}\n`);
    if (view?.error?.logs) process.stderr.write(`${view.error.logs}\n`);
    if (answer.status === 200 || answer.status === 201) return void process.stderr.write(`${sub}: ${view?.phase ?? 'done'}\n`);
    // A failed or reverted change: its diff, digests and logs are printed above; the reason is the error line.
    const error = answer.payload?.error as { code?: string; message?: string } | undefined;
    if (answer.status === 502 && view) throw new CliError(`${sub} ${view.phase}: ${error?.code ?? 'error'}: ${error?.message ?? 'failed'}`);
    return operation(answer);
  }
  if (group === 'diagnose') {
    const { values, positionals } = parseArgs({ args: [sub ?? '', ...rest].filter(Boolean), allowPositionals: true, options: { focus: { type: 'string' }, json: { type: 'boolean' } } });
    if (positionals.length > 1) throw usage();
    const query = values.focus ? `?${new URLSearchParams({ focus: values.focus })}` : '';
    const route = positionals[0] ? `/api/devices/${encodeURIComponent(positionals[0])}/diagnosis${query}` : `/api/diagnosis${query}`;
    const result = (await call('GET', route)) as { reports: Array<{ device: string; summary: string; findings: Array<{ severity: string; message: string; recommendation: string }>; unavailable: Array<{ data_type: string; reason: string }> }> };
    if (values.json) return void print(result);
    for (const report of result.reports) {
      process.stdout.write(`${report.device}: ${report.summary}\n`);
      for (const f of report.findings) process.stdout.write(`  [${f.severity}] ${f.message}\n      → ${f.recommendation}\n`);
      for (const u of report.unavailable) process.stdout.write(`  (not checked: ${u.data_type} — ${u.reason})\n`);
    }
    return;
  }
  if (group === 'token' && sub) {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { scope: { type: 'string' }, 'expires-days': { type: 'string' } } });
    if (sub === 'create' && positionals.length === 1) {
      const scopes = (values.scope ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      const expires = values['expires-days'] === undefined ? {} : { expires_in_days: Number(values['expires-days']) };
      const created = (await call('POST', '/api/tokens', { name: positionals[0], scopes, ...expires })) as { token: string; scopes: string[]; id: string };
      process.stderr.write(`token ${created.id} (scopes ${created.scopes.join(', ')}); shown once, keep it safe:\n`);
      process.stdout.write(`${created.token}\n`);
      return;
    }
    if (sub === 'list' && positionals.length === 0) return void print(await call('GET', '/api/tokens'));
    if (sub === 'revoke' && positionals.length === 1) return void print(await call('DELETE', `/api/tokens/${encodeURIComponent(positionals[0]!)}`));
    throw usage();
  }
  if (group === 'incident' && sub) {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { device: { type: 'string' }, state: { type: 'string' }, note: { type: 'string' } },
    });
    if (sub === 'list' && positionals.length === 0) {
      const query = new URLSearchParams({ ...(values.device && { device: values.device }), ...(values.state && { state: values.state }) });
      return void print(await call('GET', `/api/incidents?${query}`));
    }
    const [id] = positionals;
    if (sub === 'show' && id) return void print(await call('GET', `/api/incidents/${encodeURIComponent(id)}`));
    if (sub === 'replaced' && id) return void print(await call('POST', `/api/incidents/${encodeURIComponent(id)}/replaced`, { note: values.note }));
    throw usage();
  }
  if (group === 'logs' && sub) {
    const { values } = parseArgs({ args: rest, options: { unit: { type: 'string' }, tail: { type: 'string' }, since: { type: 'string' } } });
    if (!values.unit) throw new UsageError(`infra logs needs --unit <unit> (for a container: infra container logs <device> <name>); ${SEE_HELP}`);
    const query = new URLSearchParams({ ...(values.tail && { tail: values.tail }), ...(values.since && { since: values.since }) });
    return operation(await request('GET', `/api/devices/${encodeURIComponent(sub)}/services/${encodeURIComponent(values.unit)}/logs?${query}`));
  }
  if (group === 'config' && sub) {
    const device = (name: string | undefined) => encodeURIComponent(name ?? '');
    const [a, b] = rest;
    if (sub === 'files' && a) return void print(await call('GET', `/api/devices/${device(a)}/config/files`));
    if (sub === 'watch' && a && b) return void print(await call('POST', `/api/devices/${device(a)}/config/watch-paths`, { path: b }));
    if (sub === 'unwatch' && a && b) return void print(await call('DELETE', `/api/devices/${device(a)}/config/watch-paths?${new URLSearchParams({ path: b })}`));
    if (sub === 'history' && a && b) return void print(await call('GET', `/api/devices/${device(a)}/config/history?${new URLSearchParams({ path: b })}`));
    if (sub === 'show' && a) return void print(await call('GET', `/api/config/snapshots/${encodeURIComponent(a)}${b === '--raw' ? '?raw=true' : ''}`));
    if (sub === 'diff' && a && b) {
      const diff = (await call('GET', `/api/config/diff?${new URLSearchParams({ from: a, to: b })}`)) as { diff: string; semantic_changes: Array<{ description: string }> };
      for (const change of diff.semantic_changes) process.stdout.write(`* ${change.description}\n`);
      process.stdout.write(diff.diff);
      return;
    }
    if (sub === 'rollback' && a) return operation(await request('POST', `/api/config/snapshots/${encodeURIComponent(a)}/rollback`, {}));
    if (sub === 'changes') {
      const { values } = parseArgs({ args: rest, options: { device: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } } });
      const query = new URLSearchParams({ ...(values.device && { device: values.device }), ...(values.since && { since: values.since }), ...(values.limit && { limit: values.limit }) });
      return void print(await call('GET', `/api/config/changes?${query}`));
    }
    throw usage();
  }
  if (group === 'zfs' && sub === 'snapshot') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { recursive: { type: 'boolean', short: 'r' } } });
    const [device, snapshot] = positionals;
    const at = snapshot?.indexOf('@') ?? -1;
    if (!device || !snapshot || at <= 0) throw usage();
    const body = { dataset: snapshot.slice(0, at), name: snapshot.slice(at + 1), recursive: values.recursive ?? false };
    const answer = await request('POST', `/api/devices/${encodeURIComponent(device)}/zfs/snapshots`, body);
    return operation({ ...answer, status: answer.status === 201 ? 200 : answer.status });
  }
  if (group === 'zfs' && sub) return zfs(sub, rest);
  if (group === 'confirm' && sub && rest.length > 0) {
    const { status, payload } = await request('POST', `/api/operations/${encodeURIComponent(sub)}/confirm`, { phrase: rest.join(' ') });
    if (status >= 400) throw failure(status, payload);
    return printResult(payload!);
  }
  if (group === 'confirm' && sub) return confirmInteractively(sub);
  if (group === 'cancel' && sub) {
    print(await call('POST', `/api/operations/${encodeURIComponent(sub)}/cancel`, {}));
    return;
  }
  if (group === 'operation' && sub) {
    print(await call('GET', `/api/operations/${encodeURIComponent(sub)}`));
    return;
  }
  if (group === 'get') {
    const { values, positionals } = parseArgs({ args: [sub ?? '', ...rest].filter(Boolean), allowPositionals: true, options: { fresh: { type: 'boolean' } } });
    const [device, dataType] = positionals;
    if (!device || !dataType) throw usage();
    const query = values.fresh ? '?force_refresh=true' : '';
    print(await call('GET', `/api/devices/${encodeURIComponent(device)}/${encodeURIComponent(dataType)}${query}`));
    return;
  }
  throw usage();
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  const mistake = optionMistake(err);
  const usageError = err instanceof UsageError || mistake !== null;
  const message = mistake === null ? (err as Error).message : `${mistake}; ${SEE_HELP}`;
  // One line, whatever the error: the cause and what to do, never a stack.
  process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = usageError ? 2 : 1;
}
