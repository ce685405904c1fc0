import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { semanticChanges, unifiedDiff, type SemanticChange } from '../../domain/config/config-diff.ts';
import type { ParsedConfig } from '../../domain/config/parsed-config.ts';
import { compose, nginx, server, service, unit } from '../support/parsed-config-builders.ts';

// ---------------------------------------------------------------------------------------------------
// Builders: literal parsed shapes, as the parsers would produce them.

const descriptions = (changes: SemanticChange[]) => changes.map((change) => change.description);

// ---------------------------------------------------------------------------------------------------
// Unified diff

describe('unifiedDiff', () => {
  it('writes file headers and one hunk, and counts added and removed lines', () => {
    const diff = unifiedDiff('/opt/app/compose.yaml', 'a\nb\nc\n', 'a\nB\nc\nd\n');
    assert.equal(
      diff.text,
      [
        '--- /opt/app/compose.yaml',
        '+++ /opt/app/compose.yaml',
        '@@ -1,3 +1,4 @@',
        ' a',
        '-b',
        '+B',
        ' c',
        '+d',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      { added: diff.added, removed: diff.removed, truncated: diff.truncated },
      { added: 2, removed: 1, truncated: false },
    );
  });

  it('names the missing side /dev/null for a created file', () => {
    const diff = unifiedDiff('/etc/systemd/system/app.service', null, '[Service]\nExecStart=/bin/app\n');
    assert.match(diff.text, /^--- \/dev\/null\n\+\+\+ \/etc\/systemd\/system\/app\.service\n@@ -0,0 \+1,2 @@\n/);
    assert.deepEqual([diff.added, diff.removed], [2, 0]);
  });

  it('names the missing side /dev/null for a deleted file', () => {
    const diff = unifiedDiff('/etc/nginx/conf.d/a.conf', 'server {\n}\n', null);
    assert.match(diff.text, /^--- \/etc\/nginx\/conf\.d\/a\.conf\n\+\+\+ \/dev\/null\n@@ -1,2 \+0,0 @@\n/);
    assert.deepEqual([diff.added, diff.removed], [0, 2]);
  });

  it('is empty for identical contents', () => {
    assert.deepEqual(unifiedDiff('x', 'same\n', 'same\n'), { text: '', added: 0, removed: 0, truncated: false });
  });

  it('honours the context option', () => {
    const before = 'l1\nl2\nl3\nl4\nl5\n';
    const after = 'l1\nl2\nX\nl4\nl5\n';
    assert.match(unifiedDiff('x', before, after, { context: 0 }).text, /@@ -3,1 \+3,1 @@\n-l3\n\+X\n$/);
    assert.match(unifiedDiff('x', before, after).text, /@@ -1,5 \+1,5 @@\n l1\n l2\n-l3\n\+X\n l4\n l5\n$/);
  });

  it('cuts the text at a line end within maxBytes, keeps full counts, and never splits a character', () => {
    const after = Array.from({ length: 200 }, (_, index) => `é line ${index}`).join('\n') + '\n';
    const diff = unifiedDiff('big.conf', '', after, { maxBytes: 1000 });
    assert.equal(diff.truncated, true);
    assert.ok(Buffer.byteLength(diff.text, 'utf8') <= 1000);
    assert.ok(diff.text.endsWith('\n'));
    assert.ok(!diff.text.includes('\uFFFD'));
    assert.equal(diff.added, 200);
    assert.match(diff.text, /^--- big\.conf\n\+\+\+ big\.conf\n/);
  });

  it('caps at 256 KiB by default', () => {
    const after = `${'x'.repeat(99)}\n`.repeat(3000);
    const diff = unifiedDiff('huge', null, after);
    assert.equal(diff.truncated, true);
    assert.ok(Buffer.byteLength(diff.text) <= 256 * 1024 && Buffer.byteLength(diff.text) > 255 * 1024);
    assert.equal(unifiedDiff('small', null, 'a\n').truncated, false);
  });
});

// ---------------------------------------------------------------------------------------------------
// Compose

describe('semanticChanges: compose', () => {
  it('reports services added and removed', () => {
    const changes = semanticChanges(
      compose([service('web'), service('db')]),
      compose([service('web'), service('cache')]),
    );
    assert.deepEqual(
      changes.map(({ kind, subject, description }) => ({ kind, subject, description })),
      [
        { kind: 'compose.service.added', subject: 'cache', description: 'service cache added' },
        { kind: 'compose.service.removed', subject: 'db', description: 'service db removed' },
      ],
    );
  });

  it('reports an image change with both values', () => {
    const changes = semanticChanges(
      compose([service('web', { image: 'nginx:1.25' })]),
      compose([service('web', { image: 'nginx:1.27' })]),
    );
    assert.deepEqual(changes, [
      {
        kind: 'compose.service.image',
        subject: 'web',
        description: 'service web: image nginx:1.25 → nginx:1.27',
        before: 'nginx:1.25',
        after: 'nginx:1.27',
      },
    ]);
  });

  it('reports ports one by one, always showing the protocol', () => {
    const port = (spec: string, published: string | null, target: string, protocol = 'tcp') => ({
      spec,
      published,
      target,
      protocol,
    });
    const changes = semanticChanges(
      compose([
        service('web', {
          ports: [port('8080:80', '8080', '80'), port('443:443', '443', '443'), port('53:53/udp', '53', '53', 'udp')],
        }),
      ]),
      compose([
        service('web', {
          ports: [
            port('443:443/tcp', '443', '443'),
            port('53:53/udp', '53', '53', 'udp'),
            port('8443:443', '8443', '443'),
          ],
        }),
      ]),
    );
    assert.deepEqual(
      changes.map(({ kind, description }) => [kind, description]),
      [
        ['compose.service.port_added', 'service web: port 8443:443/tcp added'],
        ['compose.service.port_removed', 'service web: port 8080:80/tcp removed'],
      ],
    );
  });

  it('reports volumes, networks, env_files and environment keys added and removed', () => {
    const changes = semanticChanges(
      compose([
        service('db', {
          volumes: ['/srv/db:/var/lib/postgresql/data'],
          networks: ['backend'],
          env_files: ['.env'],
          environment_keys: ['POSTGRES_USER'],
        }),
      ]),
      compose([
        service('db', {
          volumes: ['pgdata:/var/lib/postgresql/data'],
          networks: ['backend', 'proxy'],
          env_files: [],
          environment_keys: ['POSTGRES_USER', 'POSTGRES_PASSWORD'],
        }),
      ]),
    );
    assert.deepEqual(descriptions(changes), [
      'service db: environment key POSTGRES_PASSWORD added',
      'service db: env_file .env removed',
      'service db: network proxy added',
      'service db: volume pgdata:/var/lib/postgresql/data added',
      'service db: volume /srv/db:/var/lib/postgresql/data removed',
    ]);
    assert.deepEqual(
      changes.map((change) => change.kind),
      [
        'compose.service.env_added',
        'compose.service.env_file_removed',
        'compose.service.network_added',
        'compose.service.volume_added',
        'compose.service.volume_removed',
      ],
    );
  });

  it('carries environment keys only, never values, even if handed KEY=value entries', () => {
    const changes = semanticChanges(
      compose([service('app', { environment_keys: ['DB_PASSWORD=hunter2', 'TZ'] })]),
      compose([service('app', { environment_keys: ['API_TOKEN=s3cr3t', 'TZ'] })]),
    );
    assert.deepEqual(
      changes.map(({ description, before, after }) => ({ description, before, after })),
      [
        { description: 'service app: environment key API_TOKEN added', before: null, after: 'API_TOKEN' },
        { description: 'service app: environment key DB_PASSWORD removed', before: 'DB_PASSWORD', after: null },
      ],
    );
    const serialized = JSON.stringify(changes);
    assert.ok(!serialized.includes('hunter2') && !serialized.includes('s3cr3t'));
  });

  it('reports depends_on as one change and ignores reordering', () => {
    const changes = semanticChanges(
      compose([service('web', { depends_on: ['redis', 'db'] })]),
      compose([service('web', { depends_on: ['db'] })]),
    );
    assert.deepEqual(changes, [
      {
        kind: 'compose.service.depends_on',
        subject: 'web',
        description: 'service web: depends_on db, redis → db',
        before: 'db, redis',
        after: 'db',
      },
    ]);
    assert.deepEqual(
      semanticChanges(
        compose([service('web', { depends_on: ['redis', 'db'] })]),
        compose([service('web', { depends_on: ['db', 'redis'] })]),
      ),
      [],
    );
  });

  it('reports restart policy, privileged, network_mode, build and container_name', () => {
    const changes = semanticChanges(
      compose([service('vpn', { restart: 'unless-stopped', build: './app', container_name: 'vpn' })]),
      compose([
        service('vpn', {
          restart: 'always',
          privileged: true,
          network_mode: 'host',
          build: './app2',
          container_name: 'gluetun',
        }),
      ]),
    );
    assert.deepEqual(
      changes.map(({ kind, description, before, after }) => [kind, description, before, after]),
      [
        ['compose.service.build', 'service vpn: build ./app → ./app2', './app', './app2'],
        ['compose.service.container_name', 'service vpn: container_name vpn → gluetun', 'vpn', 'gluetun'],
        ['compose.service.network_mode', 'service vpn: network_mode (none) → host', null, 'host'],
        ['compose.service.privileged', 'service vpn: privileged enabled', 'false', 'true'],
        ['compose.service.restart', 'service vpn: restart unless-stopped → always', 'unless-stopped', 'always'],
      ],
    );
  });

  it('reports labels key by key, with values in before/after only', () => {
    const changes = semanticChanges(
      compose([
        service('web', {
          labels: { 'traefik.enable': 'true', 'traefik.http.routers.web.rule': 'Host(`a.lan`)', old: 'x' },
        }),
      ]),
      compose([
        service('web', {
          labels: { 'traefik.enable': 'true', 'traefik.http.routers.web.rule': 'Host(`b.lan`)', new: 'y' },
        }),
      ]),
    );
    assert.deepEqual(
      changes.map(({ kind, description, before, after }) => [kind, description, before, after]),
      [
        ['compose.service.label_added', 'service web: label new added', null, 'y'],
        [
          'compose.service.label_changed',
          'service web: label traefik.http.routers.web.rule changed',
          'Host(`a.lan`)',
          'Host(`b.lan`)',
        ],
        ['compose.service.label_removed', 'service web: label old removed', 'x', null],
      ],
    );
  });

  it('reports healthcheck added and removed', () => {
    assert.deepEqual(
      descriptions(semanticChanges(compose([service('a')]), compose([service('a', { healthcheck: true })]))),
      ['service a: healthcheck added'],
    );
    assert.deepEqual(
      semanticChanges(compose([service('a', { healthcheck: true })]), compose([service('a')])).map(
        (change) => change.kind,
      ),
      ['compose.service.healthcheck_removed'],
    );
  });

  it('reports top-level volumes, networks and the project name', () => {
    const changes = semanticChanges(
      compose([], { volumes: ['pgdata'], networks: ['proxy'] }),
      compose([], { volumes: ['media'], networks: ['proxy'], project_name: 'media' }),
    );
    assert.deepEqual(
      changes.map(({ kind, subject, description }) => [kind, subject, description]),
      [
        ['compose.project_name', '(top level)', 'project name (none) → media'],
        ['compose.volume_added', '(top level)', 'top-level volume media added'],
        ['compose.volume_removed', '(top level)', 'top-level volume pgdata removed'],
      ],
    );
  });

  it('reads a created file as everything added and a deleted one as everything removed', () => {
    const file = compose([service('web'), service('db')], { networks: ['proxy'] });
    assert.deepEqual(descriptions(semanticChanges(null, file)), [
      'top-level network proxy added',
      'service db added',
      'service web added',
    ]);
    assert.deepEqual(descriptions(semanticChanges({ ok: true, data: file }, null)), [
      'top-level network proxy removed',
      'service db removed',
      'service web removed',
    ]);
  });

  it('orders by subject, then kind, whatever the input order', () => {
    const before = compose([
      service('web', { image: 'nginx:1', environment_keys: ['A'] }),
      service('api', { image: 'api:1' }),
    ]);
    const after = compose([
      service('api', { image: 'api:2', restart: 'always' }),
      service('web', { image: 'nginx:2', environment_keys: ['B'] }),
      service('cache'),
    ]);
    const expected = [
      ['api', 'compose.service.image'],
      ['api', 'compose.service.restart'],
      ['cache', 'compose.service.added'],
      ['web', 'compose.service.env_added'],
      ['web', 'compose.service.env_removed'],
      ['web', 'compose.service.image'],
    ];
    assert.deepEqual(
      semanticChanges(before, after).map((change) => [change.subject, change.kind]),
      expected,
    );
    const reversed = semanticChanges(compose([...before.services].reverse()), compose([...after.services].reverse()));
    assert.deepEqual(reversed, semanticChanges(before, after));
  });

  it('finds nothing when only formatting changed (identical parsed data)', () => {
    const file = compose([
      service('web', {
        image: 'nginx:1.27',
        ports: [{ spec: '80:80', published: '80', target: '80', protocol: 'tcp' }],
      }),
    ]);
    assert.deepEqual(semanticChanges(file, structuredClone(file)), []);
  });
});

// ---------------------------------------------------------------------------------------------------
// nginx

describe('semanticChanges: nginx', () => {
  it('reports servers added and removed by server_names', () => {
    const changes = semanticChanges(
      nginx([server(['app.*']), server(['old.*', 'old.example.com'])]),
      nginx([server(['app.*']), server(['new.*'])]),
    );
    assert.deepEqual(
      changes.map(({ kind, subject, description }) => [kind, subject, description]),
      [
        ['nginx.server.added', 'new.*', 'server new.* added'],
        ['nginx.server.removed', 'old.* old.example.com', 'server old.* old.example.com removed'],
      ],
    );
  });

  it('reports an upstream change with both targets', () => {
    const changes = semanticChanges(
      nginx([server(['app.*'], { upstreams: ['http://grafana:3000'] })]),
      nginx([server(['app.*'], { upstreams: ['http://grafana:3001'] })]),
    );
    assert.deepEqual(changes, [
      {
        kind: 'nginx.server.upstream',
        subject: 'app.*',
        description: 'app.*: upstream http://grafana:3000 → http://grafana:3001',
        before: 'http://grafana:3000',
        after: 'http://grafana:3001',
      },
    ]);
  });

  it('reports listen and ssl changes', () => {
    const changes = semanticChanges(
      nginx([server(['app.*'], { listen: ['443 ssl', '[::]:443 ssl'] })]),
      nginx([server(['app.*'], { listen: ['80'], ssl: false })]),
    );
    assert.deepEqual(
      changes.map(({ kind, description }) => [kind, description]),
      [
        ['nginx.server.listen', 'app.*: listen 443 ssl, [::]:443 ssl → 80'],
        ['nginx.server.ssl', 'app.*: ssl turned off'],
      ],
    );
  });

  it('reports auth, locations and includes added and removed', () => {
    const changes = semanticChanges(
      nginx([
        server(['app.*'], {
          auth: ['include /config/nginx/authelia-location.conf'],
          locations: [{ path: '/', proxy_pass: 'http://app:80' }],
          includes: ['/config/nginx/proxy.conf', '/config/nginx/authelia-location.conf'],
        }),
      ]),
      nginx([
        server(['app.*'], {
          auth: ['auth_basic'],
          locations: [
            { path: '/', proxy_pass: 'http://app:80' },
            { path: '/api', proxy_pass: 'http://app:80' },
          ],
          includes: ['/config/nginx/proxy.conf'],
        }),
      ]),
    );
    assert.deepEqual(
      changes.map(({ kind, description }) => [kind, description]),
      [
        ['nginx.server.auth_added', 'app.*: auth auth_basic added'],
        ['nginx.server.auth_removed', 'app.*: auth include /config/nginx/authelia-location.conf removed'],
        ['nginx.server.include_removed', 'app.*: include /config/nginx/authelia-location.conf removed'],
        ['nginx.server.location_added', 'app.*: location /api added'],
      ],
    );
  });

  it('reports upstream blocks and top-level includes', () => {
    const changes = semanticChanges(
      nginx([], {
        upstream_blocks: { grafana: ['grafana:3000'], old: ['10.0.0.9:80'] },
        includes: ['/etc/nginx/conf.d/*.conf'],
      }),
      nginx([], { upstream_blocks: { grafana: ['grafana:3001'], loki: ['loki:3100'] } }),
    );
    assert.deepEqual(
      changes.map(({ kind, subject, description }) => [kind, subject, description]),
      [
        ['nginx.include_removed', '(top level)', 'top-level include /etc/nginx/conf.d/*.conf removed'],
        ['nginx.upstream_block.changed', 'upstream grafana', 'upstream grafana: servers grafana:3000 → grafana:3001'],
        ['nginx.upstream_block.added', 'upstream loki', 'upstream loki added'],
        ['nginx.upstream_block.removed', 'upstream old', 'upstream old removed'],
      ],
    );
  });

  it('pairs same-named blocks by listen, so dropping the port 80 redirect is one removal', () => {
    const redirect = server(['app.*'], { listen: ['80'], ssl: false });
    const site = server(['app.*'], { upstreams: ['http://app:80'] });
    assert.deepEqual(descriptions(semanticChanges(nginx([redirect, site]), nginx([site]))), ['server app.* removed']);
    const moved = server(['app.*'], { listen: ['8443 ssl'], upstreams: ['http://app:80'] });
    assert.deepEqual(descriptions(semanticChanges(nginx([redirect, site]), nginx([redirect, moved]))), [
      'app.*: listen 443 ssl → 8443 ssl',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// systemd

describe('semanticChanges: systemd', () => {
  it('reports ExecStart, User, Restart, WantedBy, dependencies, environment keys and files', () => {
    const changes = semanticChanges(
      unit({
        exec_start: ['/usr/bin/app --port 80'],
        user: 'app',
        restart: 'on-failure',
        wanted_by: ['multi-user.target'],
        dependencies: { After: ['network.target'], Requires: ['postgresql.service'] },
        environment_keys: ['PORT'],
        environment_files: ['/etc/app.env'],
      }),
      unit({
        exec_start: ['/usr/bin/app --port 8080'],
        user: null,
        restart: 'always',
        wanted_by: ['default.target'],
        dependencies: { After: ['network-online.target'], Wants: ['network-online.target'] },
        environment_keys: ['PORT', 'SECRET_KEY=abc'],
        environment_files: [],
      }),
    );
    assert.deepEqual(
      changes.map(({ kind, subject, description }) => [subject, kind, description]),
      [
        ['After', 'systemd.dependency', 'After: network.target → network-online.target'],
        ['Environment', 'systemd.env_added', 'Environment key SECRET_KEY added'],
        ['EnvironmentFile', 'systemd.env_file_removed', 'EnvironmentFile /etc/app.env removed'],
        ['ExecStart', 'systemd.exec_start', 'ExecStart: /usr/bin/app --port 80 → /usr/bin/app --port 8080'],
        ['Requires', 'systemd.dependency', 'Requires: postgresql.service → (none)'],
        ['Restart', 'systemd.restart', 'Restart: on-failure → always'],
        ['User', 'systemd.user', 'User: app → (none)'],
        ['WantedBy', 'systemd.wanted_by', 'WantedBy: multi-user.target → default.target'],
        ['Wants', 'systemd.dependency', 'Wants: (none) → network-online.target'],
      ],
    );
    assert.ok(!JSON.stringify(changes).includes('abc'));
  });

  it('keeps ExecStart order but not WantedBy order', () => {
    const a = unit({ exec_start: ['/bin/a', '/bin/b'], wanted_by: ['x.target', 'y.target'] });
    const b = unit({ exec_start: ['/bin/b', '/bin/a'], wanted_by: ['y.target', 'x.target'] });
    assert.deepEqual(descriptions(semanticChanges(a, b)), ['ExecStart: /bin/a; /bin/b → /bin/b; /bin/a']);
  });
});

// ---------------------------------------------------------------------------------------------------
// Kind and parse status

describe('semanticChanges: kind and parse status', () => {
  const broken: ParsedConfig = { ok: false, kind: 'nginx', error: { message: "unexpected '}'", line: 12, column: 3 } };
  const good: ParsedConfig = { ok: true, data: nginx([server(['app.*'])]) };

  it('says once that a file no longer parses, citing the position', () => {
    assert.deepEqual(semanticChanges(good, broken), [
      {
        kind: 'config.parse_failed',
        subject: 'file',
        description: "nginx config no longer parses: line 12, column 3: unexpected '}'",
      },
    ]);
    assert.deepEqual(
      descriptions(
        semanticChanges(null, {
          ok: false,
          kind: 'compose',
          error: { message: 'bad indentation', line: 4, column: null },
        }),
      ),
      ['compose file does not parse: line 4: bad indentation'],
    );
  });

  it('says once that a file parses again, and nothing while it stays broken', () => {
    assert.deepEqual(descriptions(semanticChanges(broken, good)), ['nginx config parses again']);
    assert.deepEqual(semanticChanges(broken, broken), []);
  });

  it('says once that the kind changed', () => {
    assert.deepEqual(semanticChanges(compose([service('web')]), nginx([server(['app.*'])])), [
      {
        kind: 'config.kind_changed',
        subject: 'file',
        description: 'file changed from compose file to nginx config',
        before: 'compose',
        after: 'nginx',
      },
    ]);
  });

  it('has nothing to compare in files of unknown kind', () => {
    assert.deepEqual(semanticChanges({ kind: 'unknown', lines: 3 }, { kind: 'unknown', lines: 9 }), []);
  });
});
