import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { parseArgs, ParseArgsConfig } from 'node:util';
import { answerOf, api, asWritten, CliError, dataOf, failure, SEE_HELP, UsageError } from './api.ts';
import { confirmInteractively, operation, printResult } from './operations.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type ValuesOf<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values'];

/** One call of a command, its arguments parsed by its options. */
export interface Invocation<V> {
  /** The word that chose the command where its usage offers several (`pull` of `stacks pull|restart|down`). */
  verb: string;
  positionals: string[];
  values: V;
  /** The words after `--`, for a command that takes a command line; null without `--`. */
  tail: string[] | null;
  /** The error for a wrong call: the command's usage line. */
  usage(): UsageError;
}

export interface Command {
  /** Its lines of `infra --help`: the synopsis, a description after two spaces, continuation lines. */
  usage: string;
  /** Its options for parseArgs; without them the words are taken as written, options and all. */
  options?: Options;
  /** False where any word besides the options is a mistake. */
  allowPositionals?: boolean;
  /** Its words after `--` are a command line for the device, not arguments. */
  tail?: boolean;
  run(invocation: Invocation<Record<string, string | boolean | Array<string | boolean> | undefined>>): Promise<void>;
}

function command<const O extends Options>(
  spec: Omit<Command, 'options' | 'run'> & { options: O; run(invocation: Invocation<ValuesOf<O>>): Promise<void> },
): Command {
  return spec as unknown as Command;
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
}

/** Only the entries given: the API takes an absent option as its default. */
const defined = <T extends string | undefined>(entries: Record<string, T>) =>
  Object.fromEntries(Object.entries(entries).filter((e): e is [string, Exclude<T, undefined>] => e[1] !== undefined));

/** `--tag web=1.27`, `--image web=nginx:1.27`, `--env web:KEY=VALUE` as a stack patch. */
function stackPatch(values: { tag?: string[] | undefined; image?: string[] | undefined; env?: string[] | undefined }): {
  services: Record<string, Record<string, unknown>>;
} {
  const services: Record<string, Record<string, unknown>> = {};
  const of = (service: string) => (services[service] ??= {});
  const split = (text: string, separator: string, what: string): [string, string] => {
    const at = text.indexOf(separator);
    if (at <= 0)
      throw new UsageError(
        `${what} ${JSON.stringify(text)}: expected ${what === '--env' ? 'SERVICE:KEY=VALUE' : `SERVICE=${what === '--tag' ? 'TAG' : 'REF'}`}; ${SEE_HELP}`,
      );
    return [text.slice(0, at), text.slice(at + 1)];
  };
  for (const t of values.tag ?? []) of(split(t, '=', '--tag')[0]).tag = split(t, '=', '--tag')[1];
  for (const i of values.image ?? []) of(split(i, '=', '--image')[0]).image = split(i, '=', '--image')[1];
  for (const e of values.env ?? []) {
    const [service, assignment] = split(e, ':', '--env');
    const [key, value] = split(assignment, '=', '--env');
    ((of(service).environment ??= {}) as Record<string, string>)[key] = value;
  }
  if (Object.keys(services).length === 0)
    throw new UsageError(`stacks update needs --file, --tag, --image or --env; ${SEE_HELP}`);
  return { services };
}

const proxyLocation = {
  'conf-dir': { type: 'string' },
  container: { type: 'string' },
  host: { type: 'boolean' },
} as const;

/** Where the proxy confs are, as the proxy-conf routes' query takes it. */
function proxyQuery(values: {
  'conf-dir'?: string | undefined;
  container?: string | undefined;
  host?: boolean | undefined;
}) {
  return {
    conf_dir: values['conf-dir'],
    ...(values.container ? { container: values.container } : values.host ? { proxy: 'host' as const } : {}),
  };
}

/** What a proxy-conf change did (or how far it got before failing), on stderr. */
function reportProxyConf(answer: { payload: Record<string, unknown> | null }): void {
  const view = (answer.payload?.proxy_conf ??
    (answer.payload?.error as { details?: { proxy_conf?: unknown } } | undefined)?.details?.proxy_conf) as
    | {
        path: string | null;
        phase: string;
        validation: { command: string; output: string } | null;
        answer: { detail: string } | null;
      }
    | undefined;
  if (!view) return;
  process.stderr.write(`${view.path ?? '?'}: ${view.phase}\n`);
  if (view.validation) process.stderr.write(`${view.validation.command}:\n${view.validation.output}\n`);
  if (view.answer) process.stderr.write(`check: ${view.answer.detail}\n`);
}

const count = { type: 'string' } as const;

/** Every command, in the order `infra --help` lists them. */
export const COMMANDS: readonly Command[] = [
  {
    usage: 'infra demo                              the embedded system with simulated devices (no servers needed)',
    async run({ positionals, usage }) {
      if (positionals.length > 0) throw usage();
      await import('../../app/demo.ts');
    },
  },
  command({
    usage:
      'infra device add <hostname> [--address A] [--port N] [--user U] [--key PATH] [--type T] [--tag T]... [--location L] [--no-monitoring]',
    options: {
      address: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      key: { type: 'string' },
      type: { type: 'string' },
      tag: { type: 'string', multiple: true },
      location: { type: 'string' },
      'no-monitoring': { type: 'boolean' },
    },
    async run({ positionals, values, usage }) {
      const hostname = positionals[0];
      if (!hostname || positionals.length > 1) throw usage();
      print(
        await dataOf(
          api.POST('/api/devices', {
            body: {
              hostname,
              address: values.address,
              port: values.port === undefined ? undefined : Number(values.port),
              username: values.user,
              identity_file: values.key === undefined ? undefined : path.resolve(values.key),
              device_type: values.type === undefined ? undefined : asWritten(values.type),
              tags: values.tag,
              location: values.location,
              monitoring_enabled: values['no-monitoring'] ? false : undefined,
            },
          }),
        ),
      );
    },
  }),
  command({
    usage: 'infra device list [--json]',
    options: { json: { type: 'boolean' } },
    allowPositionals: false,
    async run({ values }) {
      const { devices } = await dataOf(api.GET('/api/devices'));
      if (values.json) return void print(devices);
      const rows = devices.map((d) => [
        d.hostname,
        `${d.username}@${d.address}:${d.port}`,
        d.device_type,
        d.status,
        d.last_seen ?? '-',
        d.monitoring_enabled ? 'on' : 'off',
      ]);
      table([['HOSTNAME', 'TARGET', 'TYPE', 'STATUS', 'LAST SEEN', 'POLLING'], ...rows.map((r) => r.map(String))]);
    },
  }),
  {
    usage: 'infra device rm <hostname>',
    async run({ positionals, usage }) {
      const hostname = positionals[0];
      if (!hostname || positionals.length > 1) throw usage();
      await dataOf(api.DELETE('/api/devices/{hostname}', { params: { path: { hostname } } }));
      process.stdout.write(`removed ${hostname}\n`);
    },
  },
  command({
    usage: 'infra device import <ssh_config> [--dry-run] [--user U] [--key PATH]',
    options: { 'dry-run': { type: 'boolean' }, user: { type: 'string' }, key: { type: 'string' } },
    async run({ positionals, values, usage }) {
      const file = positionals[0];
      if (!file) throw usage();
      const config = await readFile(file, 'utf8').catch((err: Error) => {
        throw new CliError(
          `cannot read ${file} (${err.message}); give the path of an OpenSSH client config such as ~/.ssh/config`,
        );
      });
      print(
        await dataOf(
          api.POST('/api/devices/import', {
            body: {
              config,
              dry_run: values['dry-run'] ?? false,
              defaults: {
                username: values.user,
                identity_file: values.key === undefined ? undefined : path.resolve(values.key),
              },
            },
          }),
        ),
      );
    },
  }),
  command({
    usage: 'infra get <device> <data_type> [--fresh]',
    options: { fresh: { type: 'boolean' } },
    async run({ positionals, values, usage }) {
      const [device, dataType] = positionals.filter(Boolean);
      if (!device || !dataType) throw usage();
      print(
        await dataOf(
          api.GET('/api/devices/{hostname}/{data_type}', {
            params: {
              path: { hostname: device, data_type: asWritten(dataType) },
              query: values.fresh ? { force_refresh: 'true' } : {},
            },
          }),
        ),
      );
    },
  }),
  {
    usage: 'infra exec <device> -- <command...>     (destructive commands are held until a person confirms them)',
    async run({ positionals: args, usage }) {
      const dash = args.indexOf('--');
      const device = args[0];
      const commandLine = dash >= 0 ? args.slice(dash + 1).join(' ') : args.slice(1).join(' ');
      if (!device || device === '--' || !commandLine) throw usage();
      return operation(
        await answerOf(
          api.POST('/api/devices/{hostname}/exec', {
            params: { path: { hostname: device } },
            body: { command: commandLine },
          }),
        ),
      );
    },
  },
  command({
    usage: `infra container <start|stop|restart|remove|inspect|logs|exec> <device> <name>... [--force] [--volumes] [--timeout S]
                [--tail N] [--since 15m|ISO] [--timestamps] [-- <command...> (exec)]`,
    options: {
      force: { type: 'boolean' },
      volumes: { type: 'boolean' },
      timeout: { type: 'string' },
      tail: { type: 'string' },
      since: { type: 'string' },
      timestamps: { type: 'boolean' },
    },
    tail: true,
    async run({ positionals, values, tail, usage }) {
      const [action, device, ...containers] = positionals;
      if (!action || !device || containers.length === 0) throw usage();
      const answer = await answerOf(
        api.POST('/api/devices/{hostname}/containers/actions', {
          params: { path: { hostname: device } },
          body: {
            action: asWritten(action),
            containers,
            force: values.force,
            volumes: values.volumes,
            timeout_seconds: values.timeout === undefined ? undefined : Number(values.timeout),
            tail: values.tail === undefined ? undefined : Number(values.tail),
            since: values.since,
            timestamps: values.timestamps,
            command: tail === null ? undefined : tail.join(' '),
          },
        }),
      );
      if (answer.status === 200 && action === 'inspect') return void print(answer.payload?.inspect);
      if (answer.status === 200 && answer.payload?.after) {
        for (const c of answer.payload.after as Array<{ name: string; state: string | null; status: string | null }>) {
          process.stderr.write(`${c.name}: ${c.state === null ? 'gone' : `${c.state} (${c.status})`}\n`);
        }
      }
      return operation(answer);
    },
  }),
  {
    usage: 'infra guest <device> <vmid> <start|stop|shutdown|reboot|suspend|resume>   a Proxmox VM or container',
    async run({ positionals, usage }) {
      const [device, vmid, action] = positionals;
      if (!device || !vmid || !action || positionals.length > 3) throw usage();
      const answer = await answerOf(
        api.POST('/api/devices/{hostname}/guests/{vmid}/{action}', {
          params: { path: { hostname: device, vmid: asWritten(vmid), action: asWritten(action) } },
        }),
      );
      if (answer.status === 200 && answer.payload && 'after' in answer.payload) {
        const after = answer.payload.after as { status: string; lock: string | null } | null;
        process.stderr.write(
          `${vmid}: ${after === null ? 'gone' : `${after.status}${after.lock ? ` (locked: ${after.lock})` : ''}`}\n`,
        );
      }
      return operation(answer);
    },
  },
  command({
    usage: 'infra logs <device> --unit <unit> [--tail N] [--since 15m|ISO]',
    options: { unit: { type: 'string' }, tail: { type: 'string' }, since: { type: 'string' } },
    async run({ positionals, values, usage }) {
      const [device] = positionals;
      if (!device || positionals.length > 1) throw usage();
      if (!values.unit)
        throw new UsageError(
          `infra logs needs --unit <unit> (for a container: infra container logs <device> <name>); ${SEE_HELP}`,
        );
      return operation(
        await answerOf(
          api.GET('/api/devices/{hostname}/services/{unit}/logs', {
            params: {
              path: { hostname: device, unit: values.unit },
              query: { tail: values.tail ? asWritten(values.tail) : undefined, since: values.since || undefined },
            },
          }),
        ),
      );
    },
  }),
  command({
    usage: `infra maintenance <device> on [--keep NAME]... [--include NAME]... [--reason TEXT]   (asks for the phrase)
infra maintenance <device> off|status`,
    options: {
      keep: { type: 'string', multiple: true },
      include: { type: 'string', multiple: true },
      reason: { type: 'string' },
    },
    async run({ positionals, values, usage }) {
      const [device, verb] = positionals;
      if (!device || positionals.length !== 2) throw usage();
      const route = { params: { path: { hostname: device } } };
      if (verb === 'status') return void print(await dataOf(api.GET('/api/devices/{hostname}/maintenance', route)));
      if (verb === 'off')
        return void print(
          await dataOf(api.POST('/api/devices/{hostname}/maintenance', { ...route, body: { enable: false } })),
        );
      if (verb !== 'on') throw usage();
      const answer = await answerOf(
        api.POST('/api/devices/{hostname}/maintenance', {
          ...route,
          body: { enable: true, keep: values.keep, include: values.include, reason: values.reason },
        }),
      );
      const plan = (
        answer.payload?.maintenance as
          { plan?: { stop: string[]; kept: Array<{ name: string; reason: string }> } } | undefined
      )?.plan;
      if (plan) {
        process.stderr.write(`stops, in this order: ${plan.stop.join(', ') || 'nothing'}\n`);
        for (const k of plan.kept) process.stderr.write(`keeps ${k.name}: ${k.reason}\n`);
      }
      if (answer.status === 200) return void print(answer.payload);
      return operation(answer);
    },
  }),
  command({
    usage:
      'infra restart <device> <compose_service> [--project P]   the service, then its dependents in depends_on order',
    options: { project: { type: 'string' } },
    async run({ positionals, values, usage }) {
      const [device, service] = positionals;
      if (!device || !service || positionals.length > 2) throw usage();
      const answer = await answerOf(
        api.POST('/api/devices/{hostname}/compose/services/{service}/restart', {
          params: { path: { hostname: device, service } },
          body: { project: values.project },
        }),
      );
      const steps = (answer.payload?.restart ??
        (answer.payload?.error as { details?: { restart?: unknown } } | undefined)?.details?.restart) as
        { steps: Array<{ service: string; state: string; detail: string | null }> } | undefined;
      for (const step of steps?.steps ?? [])
        process.stderr.write(`${step.service}: ${step.state}${step.detail ? ` — ${step.detail}` : ''}\n`);
      if (answer.status === 200) return;
      return operation(answer);
    },
  }),
  command({
    usage:
      'infra proxy list <device> [--conf-dir DIR] [--container NAME | --host] [--json]   confs, upstreams, broken ones',
    options: { ...proxyLocation, json: { type: 'boolean' } },
    async run({ positionals, values, usage }) {
      const [device] = positionals;
      if (!device || positionals.length !== 1) throw usage();
      const listed = await dataOf(
        api.GET('/api/devices/{hostname}/proxy-confs', {
          params: { path: { hostname: device }, query: proxyQuery(values) },
        }),
      );
      if (values.json) return void print(listed);
      process.stdout.write(
        `${listed.proxy.conf_dir} (${listed.proxy.mode === 'container' ? `container ${listed.proxy.container}` : 'host nginx'})\n`,
      );
      for (const c of listed.confs) {
        const upstreams = c.upstreams
          .map(
            (u) => `${u.url} [${u.state}${u.container_state && u.state !== 'running' ? `: ${u.container_state}` : ''}]`,
          )
          .join(', ');
        process.stdout.write(
          `  ${c.file}  ${[...c.server_names, ...c.locations].join(' ')}  → ${c.parse_error ? `unreadable: ${c.parse_error}` : upstreams || 'no upstream'}\n`,
        );
      }
      for (const i of listed.insights) process.stdout.write(`  [warning] ${i.message}\n`);
    },
  }),
  command({
    usage: `infra proxy add <device> <name> --upstream APP:PORT [--https] [--subfolder [--path /P]] [--subdomain S] [--domain D]
                [--auth authelia|authentik] [--websocket] [--conf-dir DIR] [--container NAME | --host] [--check-url URL]
                                                 write, nginx -t, reload, check; undone on failure (replacing asks for the phrase)`,
    options: {
      ...proxyLocation,
      upstream: { type: 'string' },
      https: { type: 'boolean' },
      subfolder: { type: 'boolean' },
      path: { type: 'string' },
      subdomain: { type: 'string' },
      domain: { type: 'string' },
      auth: { type: 'string' },
      websocket: { type: 'boolean' },
      'check-url': { type: 'string' },
    },
    async run({ positionals, values, usage }) {
      const [device, name] = positionals;
      if (!device || !name || positionals.length !== 2) throw usage();
      const upstream = /^([^:]+):(\d+)$/.exec(values.upstream ?? '');
      if (!upstream)
        throw new UsageError(`--upstream APP:PORT is required (e.g. --upstream jellyfin:8096); ${SEE_HELP}`);
      const answer = await answerOf(
        api.POST('/api/devices/{hostname}/proxy-confs', {
          params: { path: { hostname: device } },
          body: {
            name,
            kind: values.subfolder ? 'subfolder' : 'subdomain',
            subdomain: values.subdomain,
            domain: values.domain,
            path: values.path,
            upstream_app: upstream[1]!,
            upstream_port: Number(upstream[2]),
            upstream_proto: values.https ? 'https' : 'http',
            auth: values.auth === undefined ? undefined : asWritten(values.auth),
            websocket: values.websocket,
            conf_dir: values['conf-dir'],
            proxy: values.container ? { container: values.container } : values.host ? 'host' : undefined,
            check_url: values['check-url'],
          },
        }),
      );
      reportProxyConf(answer);
      if (answer.status === 200) return;
      return operation(answer);
    },
  }),
  command({
    usage: 'infra proxy remove <device> <file> [--conf-dir DIR] [--container NAME | --host]   (asks for the phrase)',
    options: proxyLocation,
    async run({ positionals, values, usage }) {
      const [device, file] = positionals;
      if (!device || !file || positionals.length !== 2) throw usage();
      const answer = await answerOf(
        api.DELETE('/api/devices/{hostname}/proxy-confs/{file}', {
          params: { path: { hostname: device, file }, query: proxyQuery(values) },
        }),
      );
      reportProxyConf(answer);
      if (answer.status === 200) return;
      return operation(answer);
    },
  }),
  command({
    usage: 'infra stacks list <device> [--fresh]             compose stacks: services, images, state, ports',
    options: { fresh: { type: 'boolean' } },
    async run({ positionals, values, usage }) {
      const [device] = positionals;
      if (!device || positionals.length !== 1) throw usage();
      print(
        await dataOf(
          api.GET('/api/devices/{hostname}/stacks', {
            params: { path: { hostname: device }, query: values.fresh ? { force_refresh: 'true' } : {} },
          }),
        ),
      );
    },
  }),
  command({
    usage: 'infra stacks show <device> <name>                its file, parsed form, env file keys (no values), digests',
    options: {},
    async run({ positionals, usage }) {
      const [device, name] = positionals;
      if (!device || !name || positionals.length !== 2) throw usage();
      print(
        await dataOf(
          api.GET('/api/devices/{hostname}/stacks/{name}', { params: { path: { hostname: device, name } } }),
        ),
      );
    },
  }),
  command({
    usage:
      'infra stacks deploy <device> <name> <compose_file> [--deadline S]   refused on a taken port; removed again if it fails',
    options: { deadline: { type: 'string' } },
    async run({ verb, positionals, values, usage }) {
      const [device, name, composeFile] = positionals;
      if (!device || !name || !composeFile || positionals.length !== 3) throw usage();
      const compose = await readFile(composeFile, 'utf8');
      return stackChange(
        verb,
        await answerOf(
          api.POST('/api/devices/{hostname}/stacks', {
            params: { path: { hostname: device } },
            body: { name, compose, ...deadline(values) },
          }),
        ),
      );
    },
  }),
  command({
    usage: `infra stacks update <device> <name> [--file F] [--tag SERVICE=TAG]... [--image SERVICE=REF]... [--env SERVICE:KEY=VALUE]...
                [--deadline S]                   reverted to the previous file and digests if it does not come up`,
    options: {
      deadline: { type: 'string' },
      file: { type: 'string' },
      tag: { type: 'string', multiple: true },
      image: { type: 'string', multiple: true },
      env: { type: 'string', multiple: true },
    },
    async run({ verb, positionals, values, usage }) {
      const [device, name] = positionals;
      if (!device || !name || positionals.length !== 2) throw usage();
      const body = values.file
        ? { compose: await readFile(values.file, 'utf8'), ...deadline(values) }
        : { patch: stackPatch(values), ...deadline(values) };
      return stackChange(
        verb,
        await answerOf(
          api.PATCH('/api/devices/{hostname}/stacks/{name}', { params: { path: { hostname: device, name } }, body }),
        ),
      );
    },
  }),
  command({
    usage: 'infra stacks pull|restart|down <device> <name>   (down asks for the phrase)',
    options: { deadline: { type: 'string' } },
    async run({ verb, positionals, values, usage }) {
      const [device, name] = positionals;
      if (!device || !name || positionals.length !== 2) throw usage();
      const route = { params: { path: { hostname: device, name, action: asWritten(verb) } } };
      return stackChange(
        verb,
        await answerOf(
          api.POST('/api/devices/{hostname}/stacks/{name}/{action}', { ...route, body: deadline(values) }),
        ),
      );
    },
  }),
  command({
    usage: 'infra stacks remove <device> <name> [--volumes]  (asks for the phrase; --volumes deletes their data)',
    options: { volumes: { type: 'boolean' } },
    async run({ verb, positionals, values, usage }) {
      const [device, name] = positionals;
      if (!device || !name || positionals.length !== 2) throw usage();
      const route = { params: { path: { hostname: device, name, action: 'remove' as const } } };
      return stackChange(
        verb,
        await answerOf(
          api.POST('/api/devices/{hostname}/stacks/{name}/{action}', {
            ...route,
            body: { volumes: values.volumes ?? false },
          }),
        ),
      );
    },
  }),
  command({
    usage: 'infra diagnose [device] [--focus performance|storage|containers|all]',
    options: { focus: { type: 'string' }, json: { type: 'boolean' } },
    async run({ positionals, values, usage }) {
      const named = positionals.filter(Boolean);
      if (named.length > 1) throw usage();
      const query = values.focus ? { focus: asWritten(values.focus) } : {};
      const result = named[0]
        ? await dataOf(
            api.GET('/api/devices/{hostname}/diagnosis', { params: { path: { hostname: named[0] }, query } }),
          )
        : await dataOf(api.GET('/api/diagnosis', { params: { query } }));
      if (values.json) return void print(result);
      for (const report of result.reports) {
        process.stdout.write(`${report.device}: ${report.summary}\n`);
        for (const f of report.findings)
          process.stdout.write(`  [${f.severity}] ${f.message}\n      → ${f.recommendation}\n`);
        for (const u of report.unavailable as Array<{ data_type: string; reason: string }>)
          process.stdout.write(`  (not checked: ${u.data_type} — ${u.reason})\n`);
      }
    },
  }),
  command({
    usage: 'infra incident list [--device D] [--state awaiting_replacement|rebuilding|closed]',
    options: { device: { type: 'string' }, state: { type: 'string' } },
    async run({ positionals, values, usage }) {
      if (positionals.length !== 0) throw usage();
      const query = {
        ...(values.device && { device: values.device }),
        ...(values.state && { state: asWritten(values.state) }),
      };
      print(await dataOf(api.GET('/api/incidents', { params: { query } })));
    },
  }),
  command({
    usage: 'infra incident show <incident_id>',
    options: {},
    async run({ positionals: [id], usage }) {
      if (!id) throw usage();
      print(await dataOf(api.GET('/api/incidents/{id}', { params: { path: { id } } })));
    },
  }),
  command({
    usage: 'infra incident replaced <incident_id> [--note TEXT]      the disk was swapped: follow the rebuild',
    options: { note: { type: 'string' } },
    async run({ positionals: [id], values, usage }) {
      if (!id) throw usage();
      print(
        await dataOf(
          api.POST('/api/incidents/{id}/replaced', { params: { path: { id } }, body: { note: values.note } }),
        ),
      );
    },
  }),
  command({
    usage: 'infra zfs snapshot <device> <dataset@name> [--recursive]',
    options: { recursive: { type: 'boolean', short: 'r' } },
    async run({ positionals, values, usage }) {
      const [device, snapshot] = positionals;
      const at = snapshot?.indexOf('@') ?? -1;
      if (!device || !snapshot || at <= 0) throw usage();
      const body = {
        dataset: snapshot.slice(0, at),
        name: snapshot.slice(at + 1),
        recursive: values.recursive ?? false,
      };
      const answer = await answerOf(
        api.POST('/api/devices/{hostname}/zfs/snapshots', { params: { path: { hostname: device } }, body }),
      );
      return operation({ ...answer, status: answer.status === 201 ? 200 : answer.status });
    },
  }),
  command({
    usage: 'infra zfs snapshots <device> [--dataset D] [--pattern GLOB] [--older-than 30d|ISO] [--limit N]',
    options: {
      dataset: { type: 'string' },
      pattern: { type: 'string' },
      'older-than': { type: 'string' },
      limit: count,
    },
    async run({ positionals: [device], values, usage }) {
      if (!device) throw usage();
      const query = {
        dataset: values.dataset,
        name_pattern: values.pattern,
        older_than: values['older-than'],
        limit: values.limit === undefined ? undefined : asWritten(values.limit),
      };
      print(
        await dataOf(
          api.GET('/api/devices/{hostname}/zfs/snapshots', { params: { path: { hostname: device }, query } }),
        ),
      );
    },
  }),
  command({
    usage: `infra zfs prune <device> <dataset> [--keep-last N] [--hourly N] [--daily N] [--weekly N] [--monthly N] [--yearly N]
                [--pattern GLOB] [--recursive] [--dry-run]   destroying is held until a person confirms`,
    options: {
      'keep-last': count,
      hourly: count,
      daily: count,
      weekly: count,
      monthly: count,
      yearly: count,
      pattern: { type: 'string' },
      recursive: { type: 'boolean', short: 'r' },
      'dry-run': { type: 'boolean' },
    },
    async run({ positionals: [device, dataset], values, usage }) {
      if (!device || !dataset) throw usage();
      const keep = defined({
        keep_last: values['keep-last'],
        hourly: values.hourly,
        daily: values.daily,
        weekly: values.weekly,
        monthly: values.monthly,
        yearly: values.yearly,
      });
      const body = {
        dataset,
        ...Object.fromEntries(Object.entries(keep).map(([k, v]) => [k, Number(v)])),
        ...defined({ name_pattern: values.pattern }),
        recursive: values.recursive ?? false,
        dry_run: values['dry-run'] ?? false,
      };
      const answer = await answerOf(
        api.POST('/api/devices/{hostname}/zfs/snapshots/prune', { params: { path: { hostname: device } }, body }),
      );
      const plan = answer.payload?.plan as
        { keep: Array<{ name: string; reasons: string[] }>; destroy: Array<{ name: string }> } | undefined;
      if (plan) {
        for (const kept of plan.keep) process.stdout.write(`keep     ${kept.name}  (${kept.reasons.join(', ')})\n`);
        for (const doomed of plan.destroy) process.stdout.write(`destroy  ${doomed.name}\n`);
      }
      if (answer.status === 200 && !answer.payload?.operation_id) return;
      return operation(answer);
    },
  }),
  command({
    usage: 'infra zfs clone <device> <dataset@snapshot> <new_dataset> [--parents]',
    options: { parents: { type: 'boolean', short: 'p' } },
    async run({ positionals: [device, snapshot, target], values, usage }) {
      if (!device || !snapshot || !target) throw usage();
      const body = { snapshot, target, create_parents: values.parents ?? false };
      return operation(
        await answerOf(
          api.POST('/api/devices/{hostname}/zfs/clones', { params: { path: { hostname: device } }, body }),
        ),
      );
    },
  }),
  command({
    usage: 'infra zfs get <device> <dataset> [property,...]',
    options: {},
    async run({ positionals: [device, dataset, properties], usage }) {
      if (!device || !dataset) throw usage();
      print(
        await dataOf(
          api.GET('/api/devices/{hostname}/zfs/properties', {
            params: { path: { hostname: device }, query: { dataset, properties } },
          }),
        ),
      );
    },
  }),
  command({
    usage: 'infra zfs set <device> <dataset> <property=value>   readonly, mountpoint, canmount, sharenfs... are held',
    options: {},
    async run({ positionals: [device, dataset, setting], usage }) {
      if (!device || !dataset || !setting?.includes('=')) throw usage();
      const at = setting.indexOf('=');
      const body = { dataset, property: setting.slice(0, at), value: setting.slice(at + 1) };
      return operation(
        await answerOf(
          api.PATCH('/api/devices/{hostname}/zfs/properties', { params: { path: { hostname: device } }, body }),
        ),
      );
    },
  }),
  command({
    usage: 'infra zfs scrub <device> <pool> [--stop]',
    options: { stop: { type: 'boolean' } },
    async run({ positionals: [device, pool], values, usage }) {
      if (!device || !pool) throw usage();
      const route = { params: { path: { hostname: device, pool } } };
      return operation(
        await answerOf(
          api.POST('/api/devices/{hostname}/zfs/pools/{pool}/scrub', {
            ...route,
            body: { action: values.stop ? 'stop' : 'start' },
          }),
        ),
      );
    },
  }),
  command({
    usage: 'infra zfs events <device> [--pool P] [--limit N]',
    options: { pool: { type: 'string' }, limit: count },
    async run({ positionals: [device], values, usage }) {
      if (!device) throw usage();
      const query = { pool: values.pool, limit: values.limit === undefined ? undefined : asWritten(values.limit) };
      print(
        await dataOf(api.GET('/api/devices/{hostname}/zfs/events', { params: { path: { hostname: device }, query } })),
      );
    },
  }),
  command({
    usage: `infra zfs replicate <device>:<dataset> <device>:<dataset> [--snapshot NAME] [--intermediates] [--force]
                zfs send | zfs receive between two devices, resumable; --force (rollback of the target) is held`,
    options: { snapshot: { type: 'string' }, intermediates: { type: 'boolean' }, force: { type: 'boolean' } },
    async run({ positionals: [source = '', target], values, usage }) {
      if (!source.includes(':') || !target?.includes(':')) throw usage();
      const [sourceDevice, sourceDataset] = [
        source.slice(0, source.indexOf(':')),
        source.slice(source.indexOf(':') + 1),
      ];
      const [targetDevice, targetDataset] = [
        target.slice(0, target.indexOf(':')),
        target.slice(target.indexOf(':') + 1),
      ];
      const body = {
        source_device: sourceDevice,
        source_dataset: sourceDataset,
        target_device: targetDevice,
        target_dataset: targetDataset,
        ...defined({ snapshot: values.snapshot }),
        intermediates: values.intermediates ?? false,
        force: values.force ?? false,
      };
      const answer = await answerOf(api.POST('/api/zfs/replications', { body }));
      if (answer.status === 409 && answer.payload?.status === 'DESTRUCTIVE_ACTION_BLOCKED') return operation(answer);
      if (answer.status >= 400) throw failure(answer.status, answer.payload);
      let replication = answer.payload!.replication as { replication_id: string; phase: string };
      // Follows the transfer: it may take hours; Ctrl-C leaves it running (`infra zfs replication <id>`).
      while (replication.phase === 'transferring' || replication.phase === 'planning') {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        replication = (
          await dataOf(api.GET('/api/zfs/replications/{id}', { params: { path: { id: replication.replication_id } } }))
        ).replication;
      }
      print({ replication });
      if (replication.phase === 'failed' || replication.phase === 'cancelled')
        throw new CliError(`replication ${replication.phase}`);
    },
  }),
  command({
    usage: 'infra zfs replication <replication_id>',
    options: {},
    async run({ positionals: [id], usage }) {
      if (!id) throw usage();
      print(await dataOf(api.GET('/api/zfs/replications/{id}', { params: { path: { id } } })));
    },
  }),
  {
    usage: 'infra config files <device>                      watched configuration files and how they are watched',
    async run({ positionals: [device], usage }) {
      if (!device) throw usage();
      print(await dataOf(api.GET('/api/devices/{hostname}/config/files', { params: { path: { hostname: device } } })));
    },
  },
  {
    usage: 'infra config watch|unwatch <device> <path>       add or remove a watched file or directory',
    async run({ verb, positionals: [device, watched], usage }) {
      if (!device || !watched) throw usage();
      const route = { params: { path: { hostname: device } } };
      if (verb === 'watch')
        return void print(
          await dataOf(api.POST('/api/devices/{hostname}/config/watch-paths', { ...route, body: { path: watched } })),
        );
      print(
        await dataOf(
          api.DELETE('/api/devices/{hostname}/config/watch-paths', {
            params: { ...route.params, query: { path: watched } },
          }),
        ),
      );
    },
  },
  {
    usage: 'infra config history <device> <path>             every stored version of a file',
    async run({ positionals: [device, file], usage }) {
      if (!device || !file) throw usage();
      print(
        await dataOf(
          api.GET('/api/devices/{hostname}/config/history', {
            params: { path: { hostname: device }, query: { path: file } },
          }),
        ),
      );
    },
  },
  {
    usage:
      'infra config show <snapshot_id> [--raw]          one version and its meaning; secrets hidden (--raw: admin only)',
    async run({ positionals: [id, raw], usage }) {
      if (!id) throw usage();
      print(
        await dataOf(
          api.GET('/api/config/snapshots/{id}', {
            params: { path: { id }, query: raw === '--raw' ? { raw: 'true' } : {} },
          }),
        ),
      );
    },
  },
  {
    usage: 'infra config diff <from_snapshot> <to_snapshot>  unified and semantic diff',
    async run({ positionals: [from, to], usage }) {
      if (!from || !to) throw usage();
      const diff = await dataOf(api.GET('/api/config/diff', { params: { query: { from, to } } }));
      for (const change of diff.semantic_changes) process.stdout.write(`* ${change.description}\n`);
      process.stdout.write(diff.diff);
    },
  },
  command({
    usage: 'infra config changes [--device D] [--since ISO] [--limit N]',
    options: { device: { type: 'string' }, since: { type: 'string' }, limit: count },
    allowPositionals: false,
    async run({ values }) {
      const query = {
        ...(values.device && { device: values.device }),
        ...(values.since && { since: values.since }),
        ...(values.limit && { limit: asWritten(values.limit) }),
      };
      print(await dataOf(api.GET('/api/config/changes', { params: { query } })));
    },
  }),
  {
    usage: 'infra config rollback <snapshot_id>              put a version back (asks for the confirmation phrase)',
    async run({ positionals: [id], usage }) {
      if (!id) throw usage();
      return operation(await answerOf(api.POST('/api/config/snapshots/{id}/rollback', { params: { path: { id } } })));
    },
  },
  command({
    usage: `infra token create <name> --scope read|operate|confirm|admin[,...] [--expires-days N]
                                                 prints the token once (INFRA_API_TOKEN for the CLI)`,
    options: { scope: { type: 'string' }, 'expires-days': { type: 'string' } },
    async run({ positionals, values, usage }) {
      if (positionals.length !== 1) throw usage();
      const scopes = (values.scope ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const expires = values['expires-days'] === undefined ? {} : { expires_in_days: Number(values['expires-days']) };
      const created = await dataOf(
        api.POST('/api/tokens', {
          body: { name: positionals[0]!, scopes: scopes.map((scope) => asWritten(scope)), ...expires },
        }),
      );
      process.stderr.write(`token ${created.id} (scopes ${created.scopes.join(', ')}); shown once, keep it safe:\n`);
      process.stdout.write(`${created.token}\n`);
    },
  }),
  command({
    usage: 'infra token list',
    options: {},
    async run({ positionals, usage }) {
      if (positionals.length !== 0) throw usage();
      print(await dataOf(api.GET('/api/tokens')));
    },
  }),
  command({
    usage: 'infra token revoke <token_id>',
    options: {},
    async run({ positionals, usage }) {
      if (positionals.length !== 1) throw usage();
      print(await dataOf(api.DELETE('/api/tokens/{id}', { params: { path: { id: positionals[0]! } } })));
    },
  }),
  {
    usage:
      'infra confirm <operation_id> [<phrase>]          shows a held operation and its phrase to a confirmer, asks for it',
    async run({ positionals: [id, ...phrase], usage }) {
      if (!id) throw usage();
      if (phrase.length === 0) return confirmInteractively(id);
      const { status, payload } = await answerOf(
        api.POST('/api/operations/{id}/confirm', { params: { path: { id } }, body: { phrase: phrase.join(' ') } }),
      );
      if (status >= 400) throw failure(status, payload);
      return printResult(payload!);
    },
  },
  {
    usage: 'infra cancel <operation_id>',
    async run({ positionals: [id], usage }) {
      if (!id) throw usage();
      print(await dataOf(api.POST('/api/operations/{id}/cancel', { params: { path: { id } } })));
    },
  },
  {
    usage: 'infra operation <operation_id>',
    async run({ positionals: [id], usage }) {
      if (!id) throw usage();
      print(await dataOf(api.GET('/api/operations/{id}', { params: { path: { id } } })));
    },
  },
];

const deadline = (values: { deadline?: string | undefined }) =>
  values.deadline === undefined ? {} : { deadline_seconds: Number(values.deadline) };

/** What a stack change did: its diff, digests and logs on stderr, then its phase, or the error line of a failed or reverted one. */
async function stackChange(verb: string, answer: Awaited<ReturnType<typeof answerOf>>): Promise<void> {
  const view = (answer.payload?.stack ??
    (answer.payload?.error as { details?: { stack?: unknown } } | undefined)?.details?.stack) as
    | {
        phase: string;
        diff: { text: string } | null;
        error: { message: string; logs?: string } | null;
        digests: { before: Record<string, string>; after: Record<string, string> } | null;
      }
    | undefined;
  if (view?.diff?.text) process.stderr.write(view.diff.text);
  if (view?.digests)
    for (const [service, before] of Object.entries(view.digests.before))
      process.stderr.write(`${service}: ${before} -> ${view.digests.after[service] ?? 'gone'}\n`);
  if (view?.error?.logs) process.stderr.write(`${view.error.logs}\n`);
  if (answer.status === 200 || answer.status === 201)
    return void process.stderr.write(`${verb}: ${view?.phase ?? 'done'}\n`);
  const error = answer.payload?.error as { code?: string; message?: string } | undefined;
  if (answer.status === 502 && view)
    throw new CliError(`${verb} ${view.phase}: ${error?.code ?? 'error'}: ${error?.message ?? 'failed'}`);
  return operation(answer);
}
