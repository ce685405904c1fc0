#!/usr/bin/env node
// A `docker` CLI stand-in with Compose v2 for the test device (see compose-stand-in.ts). The state
// (containers, images, pulls) lives in STATE_FILE, so it carries across SSH calls: `compose up` creates
// containers from the file as the real Compose binary (COMPOSE_BIN) normalises it, `down` removes them,
// `config` IS the real Compose binary, `pull` moves a tag to a new digest. Image tag `broken` starts and
// exits at once (it never becomes ready); tag `missing` cannot be pulled.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const STATE_FILE = process.env.COMPOSE_STAND_IN_STATE;
const COMPOSE_BIN = process.env.COMPOSE_BIN;
const args = process.argv.slice(2);
if (process.env.INFRA_TEST_EXEC_LOG) appendFileSync(process.env.INFRA_TEST_EXEC_LOG, `docker ${args.join(' ')}\n`);

const DEFAULT_NETWORKS = ['bridge', 'host', 'none'].map((name) => ({
  id: createHash('sha256').update(`network ${name}`).digest('hex'),
  name,
  driver: name === 'none' ? 'null' : name,
  project: null,
}));
const load = () =>
  existsSync(STATE_FILE)
    ? JSON.parse(readFileSync(STATE_FILE, 'utf8'))
    : { containers: [], images: {}, digests: {}, pulls: {}, networks: DEFAULT_NETWORKS, serial: 0 };
const save = (state) => {
  writeFileSync(`${STATE_FILE}.tmp`, JSON.stringify(state, null, 1));
  renameSync(`${STATE_FILE}.tmp`, STATE_FILE);
};
const sha = (text) => createHash('sha256').update(text).digest('hex');
const fail = (message, code = 1) => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};
const repositoryOf = (ref) => {
  const name = ref.split('@')[0];
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
};
const tagOf = (ref) => (ref.includes('@') ? null : ref.slice(repositoryOf(ref).length + 1) || 'latest');
const now = () => new Date().toISOString();

/** Pulls `ref`: every pull publishes a new digest for it, as a registry whose tag moved. */
function pull(state, ref) {
  if (ref.includes('@'))
    return resolve(state, ref) ?? fail(`Error response from daemon: manifest for ${ref} not found: manifest unknown`);
  if (tagOf(ref) === 'missing')
    fail(`Error response from daemon: manifest for ${ref} not found: manifest unknown: manifest unknown`);
  state.pulls[ref] = (state.pulls[ref] ?? 0) + 1;
  const id = `sha256:${sha(`${ref}#${state.pulls[ref]}`)}`;
  state.images[ref] = id;
  state.digests[id] = [`${repositoryOf(ref)}@sha256:${sha(`digest ${ref}#${state.pulls[ref]}`)}`];
  return id;
}

/** The local image id of a tag or `repo@sha256:...` reference, if the device has it. */
function resolve(state, ref) {
  if (ref.startsWith('sha256:')) return state.digests[ref] ? ref : null;
  if (ref.includes('@')) return Object.keys(state.digests).find((id) => state.digests[id].includes(ref)) ?? null;
  return state.images[ref] ?? null;
}

function psLine(c) {
  const status =
    c.state === 'running'
      ? `Up Less than a second${c.health ? ` (${c.health})` : ''}`
      : `Exited (${c.exitCode}) Less than a second ago`;
  return JSON.stringify({
    Command: '"/entrypoint.sh"',
    CreatedAt: '2026-12-01 10:00:00 +0000 UTC',
    ID: c.id,
    Image: c.image,
    Labels: Object.entries(c.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    LocalVolumes: '0',
    Mounts: '',
    Names: c.name,
    Networks: `${c.labels['com.docker.compose.project']}_default`,
    Ports: c.state === 'running' ? c.ports : '',
    RunningFor: 'Less than a second ago',
    Size: '0B',
    State: c.state,
    Status: status,
  });
}

function docker(state) {
  const [command, ...rest] = args;
  switch (command) {
    case 'version':
      return console.log('27.3.1');
    case 'ps': {
      const all = rest.includes('-a');
      const shown = state.containers.filter((c) => all || c.state === 'running');
      return shown.forEach((c) => console.log(psLine(c)));
    }
    case 'stats':
      return state.containers
        .filter((c) => c.state === 'running')
        .forEach((c) =>
          console.log(
            JSON.stringify({
              BlockIO: '1.2MB / 0B',
              CPUPerc: '0.10%',
              Container: c.id,
              ID: c.id,
              MemPerc: '0.50%',
              MemUsage: '10MiB / 1.944GiB',
              Name: c.name,
              NetIO: '1kB / 2kB',
              PIDs: '2',
            }),
          ),
        );
    case 'container': {
      const ids = rest.slice(3);
      for (const id of ids) {
        const c = state.containers.find((x) => x.id === id);
        if (!c) fail(`Error: No such container: ${id}`);
        console.log(
          JSON.stringify({
            id: c.id,
            state: c.state,
            restart_count: 0,
            health: c.health,
            created_at: c.createdAt,
            started_at: c.startedAt,
            exit_code: c.exitCode,
            labels: c.labels,
          }),
        );
      }
      return;
    }
    case 'image': {
      for (const id of rest.slice(3)) {
        if (!state.digests[id]) fail(`Error: No such image: ${id}`);
        console.log(`${id}\t${JSON.stringify(state.digests[id])}`);
      }
      return;
    }
    case 'network':
      return network(state, rest);
    case 'compose':
      return compose(state, rest);
    default:
      fail(`docker stand-in: unsupported: ${args.join(' ')}`);
  }
}

/** `network ls -q --no-trunc` and `network inspect ID...` as Docker 27 prints them. */
function network(state, [sub, ...ids]) {
  if (sub === 'ls') return state.networks.forEach((n) => console.log(n.id));
  if (sub !== 'inspect') fail(`docker stand-in: unsupported: network ${sub}`);
  const shown = ids.map(
    (id) => state.networks.find((n) => n.id === id) ?? fail(`Error response from daemon: network ${id} not found`),
  );
  const members = (n) =>
    state.containers.filter(
      (c) => n.project !== null && c.labels['com.docker.compose.project'] === n.project && c.state === 'running',
    );
  console.log(
    JSON.stringify(
      shown.map((n, index) => ({
        Name: n.name,
        Id: n.id,
        Created: '2026-12-01T10:00:00.000000000Z',
        Scope: 'local',
        Driver: n.driver,
        EnableIPv6: false,
        IPAM: {
          Driver: 'default',
          Options: null,
          Config:
            n.driver === 'bridge' ? [{ Subnet: `172.${17 + index}.0.0/16`, Gateway: `172.${17 + index}.0.1` }] : [],
        },
        Internal: false,
        Attachable: false,
        Ingress: false,
        ConfigFrom: { Network: '' },
        ConfigOnly: false,
        Containers: Object.fromEntries(
          members(n).map((c, i) => [
            c.id,
            {
              Name: c.name,
              EndpointID: sha(`endpoint ${c.id}`),
              MacAddress: '02:42:ac:12:00:02',
              IPv4Address: `172.${17 + index}.0.${i + 2}/16`,
              IPv6Address: '',
            },
          ]),
        ),
        Options: {},
        Labels:
          n.project === null
            ? {}
            : {
                'com.docker.compose.network': 'default',
                'com.docker.compose.project': n.project,
                'com.docker.compose.version': '2.29.1',
              },
      })),
      null,
      4,
    ),
  );
}

function compose(state, rest) {
  const files = [];
  let project = null;
  let projectDir = null;
  let i = 0;
  for (; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-f' || a === '--file') files.push(rest[++i]);
    else if (a === '-p' || a === '--project-name') project = rest[++i];
    else if (a === '--project-directory') projectDir = rest[++i];
    else break;
  }
  const [sub, ...opts] = rest.slice(i);
  const globals = rest.slice(0, i);
  if (sub === 'config') {
    const run = spawnSync(COMPOSE_BIN, [...globals, 'config', ...opts], { stdio: 'inherit' });
    process.exit(run.status ?? 1);
  }
  const model = () => {
    const run = spawnSync(COMPOSE_BIN, [...globals, 'config', '--format', 'json'], { encoding: 'utf8' });
    if (run.status !== 0) fail(run.stderr.trim(), run.status ?? 1);
    return JSON.parse(run.stdout);
  };
  const mine = (c) => c.labels['com.docker.compose.project'] === project;
  const workingDir = projectDir ?? path.dirname(path.resolve(files[0] ?? 'compose.yaml'));
  switch (sub) {
    case 'pull': {
      for (const [name, svc] of Object.entries(model().services)) {
        process.stderr.write(` ${name} Pulling\n`);
        pull(state, svc.image);
      }
      return save(state);
    }
    case 'up': {
      const never = opts.includes('never');
      const services = model().services;
      if (!state.networks.some((n) => n.project === project))
        state.networks.push({
          id: sha(`network ${project}_default #${++state.serial}`),
          name: `${project}_default`,
          driver: 'bridge',
          project,
        });
      for (const [name, svc] of Object.entries(services)) {
        const imageId =
          resolve(state, svc.image) ??
          (never ? fail(`Error response from daemon: No such image: ${svc.image}`) : pull(state, svc.image));
        const ports = (svc.ports ?? [])
          .filter((p) => p.published)
          .map((p) => `${p.host_ip ?? '0.0.0.0'}:${p.published}->${p.target}/${p.protocol ?? 'tcp'}`)
          .join(', ');
        const containerName = svc.container_name ?? `${project}-${name}-1`;
        const existing = state.containers.find((c) => c.name === containerName);
        if (existing && existing.imageId === imageId && existing.ports === ports && existing.state === 'running')
          continue;
        state.containers = state.containers.filter((c) => c.name !== containerName);
        const broken = tagOf(svc.image) === 'broken';
        state.containers.push({
          id: sha(`${containerName}#${++state.serial}`),
          name: containerName,
          image: svc.image,
          imageId,
          state: broken ? 'exited' : 'running',
          health: broken || !svc.healthcheck ? null : 'healthy',
          exitCode: broken ? 1 : 0,
          ports,
          createdAt: now(),
          startedAt: now(),
          logs: broken
            ? [
                `${containerName}  | starting ${svc.image}`,
                `${containerName}  | fatal: configuration version 2 is not supported by this image`,
              ]
            : [`${containerName}  | listening`],
          labels: {
            'com.docker.compose.project': project,
            'com.docker.compose.service': name,
            'com.docker.compose.project.working_dir': workingDir,
            'com.docker.compose.project.config_files': files.map((f) => path.resolve(f)).join(','),
            'com.docker.compose.image': imageId,
            'com.docker.compose.depends_on': '',
            ...(svc.labels ?? {}),
          },
        });
        process.stderr.write(` Container ${containerName} Started\n`);
      }
      if (opts.includes('--remove-orphans'))
        state.containers = state.containers.filter(
          (c) => !mine(c) || Object.hasOwn(services, c.labels['com.docker.compose.service']),
        );
      return save(state);
    }
    case 'down':
      state.containers = state.containers.filter((c) => !mine(c));
      state.networks = state.networks.filter((n) => n.project !== project);
      if (opts.includes('--volumes')) process.stderr.write(` Volume ${project}_data Removed\n`);
      return save(state);
    case 'restart':
      for (const c of state.containers.filter(mine))
        if (tagOf(c.image) !== 'broken') Object.assign(c, { state: 'running', startedAt: now() });
      return save(state);
    case 'logs': {
      const service = opts[opts.length - 1];
      for (const c of state.containers.filter((x) => mine(x) && x.labels['com.docker.compose.service'] === service))
        console.log(c.logs.join('\n'));
      return;
    }
    default:
      fail(`docker compose stand-in: unsupported: ${sub}`);
  }
}

// Reads may overlap a change (a collection during a step): the state file is replaced by a rename, never rewritten in place.
docker(load());
