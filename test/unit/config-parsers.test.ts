import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureReader } from '../support/collector-fixtures.ts';
import { parseCompose } from '../../domain/config/compose.ts';
import { parseNginx } from '../../domain/config/nginx.ts';
import { configKindOf, parseConfig } from '../../domain/config/parse-config.ts';
import {
  type ComposeConfig,
  type ComposeService,
  type ConfigParseError,
  type NginxConfig,
  type NginxServer,
  type ParsedConfig,
  type ParsedConfigData,
  REDACTED,
  type SystemdUnitConfig,
} from '../../domain/config/parsed-config.ts';
import { parseSystemdUnit } from '../../domain/config/systemd-unit.ts';

const fixture = fixtureReader('config');

function data<K extends ParsedConfigData['kind']>(
  parsed: ParsedConfig,
  kind: K,
): Extract<ParsedConfigData, { kind: K }> {
  assert.ok(parsed.ok, `expected a parse, got ${JSON.stringify(parsed)}`);
  assert.equal(parsed.data.kind, kind);
  return parsed.data as Extract<ParsedConfigData, { kind: K }>;
}

function failure(parsed: ParsedConfig, kind: ParsedConfigData['kind']): ConfigParseError {
  assert.ok(!parsed.ok, `expected a parse error, got ${JSON.stringify(parsed)}`);
  assert.equal(parsed.kind, kind);
  return parsed.error;
}

function compose(name: string): ComposeConfig {
  return data(parseCompose(fixture(`compose/${name}`)), 'compose');
}

function service(config: ComposeConfig, name: string): ComposeService {
  const found = config.services.find((s) => s.name === name);
  assert.ok(found, `no service ${name}`);
  return found;
}

function nginx(name: string): NginxConfig {
  return data(parseNginx(fixture(`nginx/${name}`)), 'nginx');
}

function onlyServer(config: NginxConfig): NginxServer {
  assert.equal(config.servers.length, 1);
  const [server] = config.servers;
  assert.ok(server);
  return server;
}

function unit(name: string, fileName = name): SystemdUnitConfig {
  return data(parseSystemdUnit(fixture(`systemd/${name}`), fileName), 'systemd');
}

describe('parseCompose: *arr stack (linuxserver images, VPN container)', () => {
  const config = compose('arr-stack.yml');

  it('lists the services in file order with their images', () => {
    assert.deepEqual(
      config.services.map((s) => [s.name, s.image]),
      [
        ['gluetun', 'qmcgaw/gluetun:v3.39.1'],
        ['qbittorrent', 'lscr.io/linuxserver/qbittorrent:4.6.7'],
        ['prowlarr', 'lscr.io/linuxserver/prowlarr:latest'],
        ['sonarr', 'lscr.io/linuxserver/sonarr:4.0.9'],
        ['radarr', 'lscr.io/linuxserver/radarr:5.11.0'],
        ['flaresolverr', 'ghcr.io/flaresolverr/flaresolverr:latest'],
      ],
    );
    assert.equal(config.project_name, null);
    assert.deepEqual(config.volumes, []);
  });

  it('reads short port syntax with protocol, host address and an interpolated published port', () => {
    assert.deepEqual(service(config, 'gluetun').ports, [
      { spec: '8080:8080', published: '8080', target: '8080', protocol: 'tcp' },
      { spec: '6881:6881', published: '6881', target: '6881', protocol: 'tcp' },
      { spec: '6881:6881/udp', published: '6881', target: '6881', protocol: 'udp' },
    ]);
    assert.deepEqual(service(config, 'prowlarr').ports, [
      { spec: '127.0.0.1:9696:9696', published: '9696', target: '9696', protocol: 'tcp' },
    ]);
    assert.deepEqual(service(config, 'flaresolverr').ports, [
      {
        spec: '${FLARESOLVERR_PORT:-8191}:8191',
        published: '${FLARESOLVERR_PORT:-8191}',
        target: '8191',
        protocol: 'tcp',
      },
    ]);
  });

  it('keeps network_mode, depends_on, volumes and restart', () => {
    const qbittorrent = service(config, 'qbittorrent');
    assert.equal(qbittorrent.network_mode, 'service:gluetun');
    assert.deepEqual(qbittorrent.depends_on, ['gluetun']);
    assert.deepEqual(qbittorrent.ports, []);
    assert.deepEqual(service(config, 'sonarr').depends_on, ['prowlarr', 'qbittorrent']);
    assert.deepEqual(service(config, 'sonarr').volumes, [
      '/opt/appdata/sonarr:/config',
      '/mnt/tank/media/tv:/tv',
      '/mnt/tank/downloads:/downloads',
    ]);
    assert.equal(service(config, 'radarr').restart, 'unless-stopped');
    assert.equal(service(config, 'radarr').container_name, 'radarr');
  });

  it('keeps environment names (including pass-through `TZ`) and never their values', () => {
    assert.deepEqual(service(config, 'gluetun').environment_keys, [
      'VPN_SERVICE_PROVIDER',
      'VPN_TYPE',
      'WIREGUARD_PRIVATE_KEY',
      'WIREGUARD_ADDRESSES',
      'SERVER_CITIES',
      'TZ',
    ]);
    const json = JSON.stringify(parseCompose(fixture('compose/arr-stack.yml')));
    assert.ok(!json.includes('yCbHtkQpbW2Vh9cJ3uTkz1Ig'), 'the WireGuard private key leaked');
    assert.ok(!json.includes('mullvad'));
    assert.ok(!json.includes('Europe/Amsterdam'));
  });
});

describe('parseCompose: Nextcloud + MariaDB + Redis with anchors and x- blocks', () => {
  const config = compose('nextcloud.yml');

  it('resolves `<<: *defaults` merge keys into every service', () => {
    assert.deepEqual(
      config.services.map((s) => s.name),
      ['db', 'redis', 'app', 'cron'],
    );
    assert.deepEqual(
      config.services.map((s) => s.restart),
      ['unless-stopped', 'unless-stopped', 'unless-stopped', 'unless-stopped'],
    );
    assert.ok(!config.services.some((s) => s.name.startsWith('x-')));
  });

  it('merges the x-common-env environment names and keeps the passwords out', () => {
    assert.deepEqual(service(config, 'db').environment_keys, [
      'TZ',
      'MYSQL_HOST',
      'MYSQL_DATABASE',
      'MYSQL_USER',
      'MYSQL_PASSWORD',
      'MYSQL_ROOT_PASSWORD',
    ]);
    assert.ok(service(config, 'app').environment_keys.includes('MYSQL_PASSWORD'));
    assert.ok(service(config, 'app').environment_keys.includes('REDIS_HOST'));
    const json = JSON.stringify(parseCompose(fixture('compose/nextcloud.yml')));
    assert.ok(!json.includes('Tr0ub4dor'), 'the database password leaked');
    assert.ok(!json.includes('c0rrect-h0rse'), 'the root password leaked');
  });

  it('writes long port and volume syntax back in short form', () => {
    const app = service(config, 'app');
    assert.deepEqual(app.ports, [{ spec: '127.0.0.1:8081:80', published: '8081', target: '80', protocol: 'tcp' }]);
    assert.deepEqual(app.volumes, [
      'nextcloud:/var/www/html',
      '/mnt/tank/nextcloud-data:/var/www/html/data',
      './php-uploads.ini:/usr/local/etc/php/conf.d/zz-uploads.ini:ro',
    ]);
  });

  it('reads networks as a list or a map, depends_on as a flow list, and top-level volumes/networks', () => {
    assert.deepEqual(service(config, 'app').networks, ['backend', 'proxy']);
    assert.deepEqual(service(config, 'redis').networks, ['backend']);
    assert.deepEqual(service(config, 'cron').depends_on, ['db', 'redis']);
    assert.deepEqual(config.volumes, ['db', 'nextcloud']);
    assert.deepEqual(config.networks, ['backend', 'proxy']);
  });

  it('counts a healthcheck unless it is absent or disabled', () => {
    assert.equal(service(config, 'db').healthcheck, true);
    assert.equal(service(config, 'app').healthcheck, false);
    assert.equal(service(config, 'cron').healthcheck, false);
  });
});

describe('parseCompose: Immich (Compose Spec, env_file, depends_on conditions)', () => {
  const config = compose('immich.yml');

  it('reads the project name and top-level volumes', () => {
    assert.equal(config.project_name, 'immich');
    assert.deepEqual(config.volumes, ['model-cache']);
  });

  it('reads depends_on with conditions as the service names', () => {
    assert.deepEqual(service(config, 'immich-server').depends_on, ['redis', 'database']);
  });

  it('reads env_file as a list (with a {path, required} entry) or a single path', () => {
    assert.deepEqual(service(config, 'immich-server').env_files, ['.env', './hwaccel.env']);
    assert.deepEqual(service(config, 'immich-machine-learning').env_files, ['.env']);
  });

  it('keeps interpolated images and volumes as written', () => {
    const server = service(config, 'immich-server');
    assert.equal(server.image, 'ghcr.io/immich-app/immich-server:${IMMICH_VERSION:-release}');
    assert.deepEqual(server.volumes, ['${UPLOAD_LOCATION}:/usr/src/app/upload', '/etc/localtime:/etc/localtime:ro']);
    assert.deepEqual(server.ports, [{ spec: '2283:2283', published: '2283', target: '2283', protocol: 'tcp' }]);
  });

  it('treats `disable: false` and a string test as a healthcheck', () => {
    assert.equal(service(config, 'immich-server').healthcheck, true);
    assert.equal(service(config, 'redis').healthcheck, true);
    assert.equal(service(config, 'database').healthcheck, false);
  });
});

describe('parseCompose: Traefik and SWAG labels', () => {
  const config = compose('proxy-labels.yml');

  it('reads list labels as key → value and redacts credential labels', () => {
    const labels = service(config, 'traefik').labels;
    assert.equal(labels['traefik.enable'], 'true');
    assert.equal(labels['traefik.http.routers.dashboard.rule'], 'Host(`traefik.lab.example.org`)');
    assert.equal(labels['traefik.http.middlewares.dashboard-auth.basicauth.users'], REDACTED);
    const json = JSON.stringify(parseCompose(fixture('compose/proxy-labels.yml')));
    assert.ok(!json.includes('apr1'), 'the basic auth hash leaked');
    assert.ok(!json.includes('9Zq3xKp7LmN2vB8cR4tY6uW1sE5aD0fGhJ'), 'the Cloudflare token leaked');
  });

  it('reads map labels with numbers and booleans as text', () => {
    assert.deepEqual(service(config, 'uptime-kuma').labels, {
      swag: 'enable',
      swag_port: '3001',
      swag_url: 'status.example.org',
      swag_auth: 'authelia',
      'com.centurylinklabs.watchtower.enable': 'true',
    });
  });

  it('treats `test: ["NONE"]` as no healthcheck', () => {
    assert.equal(service(config, 'uptime-kuma').healthcheck, false);
  });

  it('reads a built service: build context, no image, privileged', () => {
    const proxy = service(config, 'docker-socket-proxy');
    assert.equal(proxy.image, null);
    assert.equal(proxy.build, './socket-proxy');
    assert.equal(proxy.privileged, true);
    assert.equal(service(config, 'traefik').privileged, false);
    assert.deepEqual(proxy.environment_keys, ['CONTAINERS', 'POST']);
  });
});

describe('parseCompose: syntax variants', () => {
  it('normalizes short ports: target only, ranges, IPv6 host, random published port, long syntax defaults', () => {
    const config = data(
      parseCompose(
        [
          'services:',
          '  dns:',
          '    image: technitium/dns-server:13.0',
          '    build: ./dns',
          '    ports:',
          '      - 3000',
          '      - "8000-8005:8000-8005"',
          '      - "[::1]:8080:80/tcp"',
          '      - "127.0.0.1::53/udp"',
          '      - target: 53',
          '        protocol: udp',
          '    environment:',
          '      - DNS_SERVER_DOMAIN',
          '      - DNS_SERVER_ADMIN_PASSWORD=s3cr3t=with=equals',
          '',
        ].join('\n'),
      ),
      'compose',
    );
    const dns = service(config, 'dns');
    assert.deepEqual(dns.ports, [
      { spec: '3000', published: null, target: '3000', protocol: 'tcp' },
      { spec: '8000-8005:8000-8005', published: '8000-8005', target: '8000-8005', protocol: 'tcp' },
      { spec: '[::1]:8080:80', published: '8080', target: '80', protocol: 'tcp' },
      { spec: '127.0.0.1::53/udp', published: null, target: '53', protocol: 'udp' },
      { spec: '53/udp', published: null, target: '53', protocol: 'udp' },
    ]);
    assert.equal(dns.build, './dns');
    assert.deepEqual(dns.environment_keys, ['DNS_SERVER_DOMAIN', 'DNS_SERVER_ADMIN_PASSWORD']);
    assert.ok(!JSON.stringify(config).includes('s3cr3t'));
  });
});

describe('parseCompose: errors', () => {
  it('reports malformed YAML with its line and column, without echoing the file', () => {
    const error = failure(parseCompose(fixture('compose/pihole-bad-indent.yml')), 'compose');
    assert.equal(error.message, 'All mapping items must start at the same column');
    assert.equal(error.line, 13);
    assert.equal(error.column, 1);
    assert.ok(!JSON.stringify(error).includes('hunter2'), 'the source excerpt (with a password) leaked into the error');
  });

  it('rejects YAML that is not a compose file', () => {
    const error = failure(parseCompose(fixture('compose/home-assistant-configuration.yaml')), 'compose');
    assert.match(error.message, /no "services" mapping/);
    assert.equal(error.line, null);
  });

  it('points at a service that is not a mapping', () => {
    const error = failure(parseCompose('services:\n  web:\n    image: nginx:1.27\n  db: postgres:16\n'), 'compose');
    assert.equal(error.message, 'service "db" is not a mapping');
    assert.equal(error.line, 4);
    assert.equal(error.column, 7);
  });

  it('points at a field of the wrong type', () => {
    const error = failure(parseCompose('services:\n  web:\n    image: nginx:1.27\n    ports: "80:80"\n'), 'compose');
    assert.equal(error.message, 'services.web.ports must be a list');
    assert.equal(error.line, 4);
  });

  it('points at an alias with no anchor', () => {
    const error = failure(parseCompose('services:\n  web:\n    <<: *defaults\n    image: nginx:1.27\n'), 'compose');
    assert.equal(error.message, 'alias *defaults refers to no anchor');
    assert.equal(error.line, 3);
    assert.equal(error.column, 9);
  });

  it('rejects a `services` that is not a mapping and an empty file', () => {
    assert.equal(failure(parseCompose('version: "3"\nservices:\n  - web\n'), 'compose').line, 3);
    assert.match(failure(parseCompose(''), 'compose').message, /not a mapping/);
  });
});

describe('parseNginx: SWAG grafana.subdomain.conf', () => {
  const server = onlyServer(nginx('grafana.subdomain.conf'));

  it('reads names, listeners and ssl', () => {
    assert.deepEqual(server.server_names, ['grafana.*']);
    assert.deepEqual(server.listen, ['443 ssl', '[::]:443 ssl']);
    assert.equal(server.ssl, true);
  });

  it('resolves the $upstream_* variables of each location', () => {
    assert.deepEqual(server.locations, [
      { path: '/', proxy_pass: 'http://grafana:3000' },
      { path: '~ (/grafana)?/api/live', proxy_pass: 'http://grafana:3000' },
    ]);
    assert.deepEqual(server.upstreams, ['http://grafana:3000', 'http://grafana:3000']);
  });

  it('does not count commented-out auth snippets', () => {
    assert.deepEqual(server.auth, []);
    assert.deepEqual(server.includes, [
      '/config/nginx/ssl.conf',
      '/config/nginx/proxy.conf',
      '/config/nginx/resolver.conf',
    ]);
  });
});

describe('parseNginx: SWAG nextcloud.subdomain.conf with Authelia', () => {
  const server = onlyServer(nginx('nextcloud.subdomain.conf'));

  it('detects the Authelia server and location snippets', () => {
    assert.deepEqual(server.auth, [
      'include /config/nginx/authelia-server.conf',
      'include /config/nginx/authelia-location.conf',
    ]);
    assert.deepEqual(server.server_names, ['nextcloud.*', 'cloud.*']);
  });

  it('reads nested locations and resolves ${var} and variables set in a nested location', () => {
    assert.deepEqual(server.locations, [
      { path: '/', proxy_pass: 'https://nextcloud:443' },
      { path: '^~ /.well-known', proxy_pass: null },
      { path: '= /.well-known/carddav', proxy_pass: null },
      { path: '= /.well-known/caldav', proxy_pass: null },
      { path: '/.well-known/webfinger', proxy_pass: 'https://nextcloud:443' },
    ]);
  });
});

describe('parseNginx: SWAG jellyfin.subfolder.conf (bare locations)', () => {
  const config = nginx('jellyfin.subfolder.conf');

  it('reports its locations as one server without names or listeners', () => {
    const server = onlyServer(config);
    assert.deepEqual(server.server_names, []);
    assert.deepEqual(server.listen, []);
    assert.equal(server.ssl, false);
    assert.deepEqual(server.locations, [
      { path: '/jellyfin', proxy_pass: null },
      { path: '^~ /jellyfin/', proxy_pass: 'http://jellyfin:8096' },
    ]);
  });

  it('detects the LDAP snippet', () => {
    assert.deepEqual(onlyServer(config).auth, ['include /config/nginx/ldap-location.conf']);
  });
});

describe('parseNginx: /etc/nginx site with an upstream block and two servers', () => {
  const config = nginx('gitea-site.conf');
  const [http, https] = config.servers;

  it('reads the upstream block', () => {
    assert.deepEqual(config.upstream_blocks, {
      gitea_backend: ['127.0.0.1:3000 max_fails=3 fail_timeout=30s', '10.0.10.12:3000 backup'],
    });
  });

  it('reads the port 80 redirect server', () => {
    assert.equal(config.servers.length, 2);
    assert.ok(http);
    assert.deepEqual(http.listen, ['80', '[::]:80']);
    assert.equal(http.ssl, false);
    assert.deepEqual(http.upstreams, []);
    assert.deepEqual(
      http.locations.map((l) => l.path),
      ['/.well-known/acme-challenge/', '/'],
    );
  });

  it('reads the 443 server: ssl from its certificate, proxy targets, auth_basic but not `auth_basic off`', () => {
    assert.ok(https);
    assert.deepEqual(https.listen, ['443 ssl http2', '[::]:443 ssl http2']);
    assert.equal(https.ssl, true);
    assert.deepEqual(https.upstreams, ['http://gitea_backend', 'http://gitea_backend', 'http://gitea_backend/metrics']);
    assert.deepEqual(https.locations, [
      { path: '/', proxy_pass: 'http://gitea_backend' },
      { path: '/-/admin', proxy_pass: 'http://gitea_backend' },
      { path: '= /metrics', proxy_pass: 'http://gitea_backend/metrics' },
    ]);
    assert.deepEqual(https.auth, ['auth_basic Gitea admin']);
    assert.deepEqual(https.includes, ['/etc/letsencrypt/options-ssl-nginx.conf']);
  });

  it('reads ssl from a listen without certificate directives', () => {
    const server = onlyServer(
      data(parseNginx('server {\n  listen 8443 ssl;\n  server_name a.example.org;\n}\n'), 'nginx'),
    );
    assert.equal(server.ssl, true);
  });
});

describe('parseNginx: syntax and scoping', () => {
  it('uses variables of enclosing blocks but not those set in a nested if', () => {
    const server = onlyServer(
      data(
        parseNginx(
          [
            'server {',
            '    listen 80;',
            '    set $upstream_app homepage;',
            '    location / {',
            '        set $upstream_port 3000;',
            '        if ($http_user_agent ~* "curl") { set $upstream_app other; }',
            '        proxy_pass http://$upstream_app:$upstream_port;',
            '    }',
            '}',
          ].join('\n'),
        ),
        'nginx',
      ),
    );
    assert.deepEqual(server.locations, [{ path: '/', proxy_pass: 'http://homepage:3000' }]);
  });

  it('keeps nginx variables that are never set as text', () => {
    const server = onlyServer(
      data(parseNginx('server { location / { proxy_pass http://$host:8080$request_uri; } }'), 'nginx'),
    );
    assert.deepEqual(server.upstreams, ['http://$host:8080$request_uri']);
  });

  it('reads quoted arguments with escapes and `;` or `#` inside quotes', () => {
    const server = onlyServer(
      data(
        parseNginx(
          'server {\n  server_name "app.example.org" \'www.app.example.org\';\n  add_header X-Note "a; b # c" always;\n  location "/say \\"hi\\"" { return 204; }\n}\n',
        ),
        'nginx',
      ),
    );
    assert.deepEqual(server.server_names, ['app.example.org', 'www.app.example.org']);
    assert.deepEqual(server.locations, [{ path: '/say "hi"', proxy_pass: null }]);
  });

  it('collects top-level includes, upstreams inside http, auth_request but not `auth_request off`', () => {
    const config = data(
      parseNginx(
        [
          'http {',
          '    include /etc/nginx/mime.types;',
          '    include /etc/nginx/conf.d/*.conf;',
          '    upstream api { server 10.0.0.5:8000; }',
          '    server {',
          '        location / { auth_request /authelia; proxy_pass http://api; }',
          '        location /health { auth_request off; proxy_pass http://api/health; }',
          '    }',
          '}',
        ].join('\n'),
      ),
      'nginx',
    );
    assert.deepEqual(config.includes, ['/etc/nginx/mime.types', '/etc/nginx/conf.d/*.conf']);
    assert.deepEqual(config.upstream_blocks, { api: ['10.0.0.5:8000'] });
    assert.deepEqual(onlyServer(config).auth, ['auth_request /authelia']);
  });
});

describe('parseNginx: errors', () => {
  it('reports the block left open by a missing brace', () => {
    const error = failure(parseNginx(fixture('nginx/vaultwarden-missing-brace.conf')), 'nginx');
    assert.equal(error.message, '"server" block is not closed: missing "}"');
    assert.equal(error.line, 5);
    assert.equal(error.column, 1);
  });

  it('reports a missing ";" that merges two set lines', () => {
    const error = failure(
      parseNginx('server {\n  location / {\n    set $upstream_app grafana\n    set $upstream_port 3000;\n  }\n}\n'),
      'nginx',
    );
    assert.equal(error.message, 'invalid number of arguments in "set" directive');
    assert.deepEqual([error.line, error.column], [3, 5]);
  });

  it('reports a missing ";" before a closing brace', () => {
    const error = failure(parseNginx('server {\n  location / {\n    proxy_pass http://app:8080\n  }\n}\n'), 'nginx');
    assert.equal(error.message, 'directive "proxy_pass" is not terminated by ";"');
    assert.deepEqual([error.line, error.column], [3, 5]);
  });

  it('reports an unterminated quote and a stray brace', () => {
    const quote = failure(parseNginx('server {\n  server_name "app.example.org;\n}\n'), 'nginx');
    assert.equal(quote.message, 'unterminated double-quoted string');
    assert.deepEqual([quote.line, quote.column], [2, 15]);
    const brace = failure(parseNginx('server {\n  listen 80;\n}\n}\n'), 'nginx');
    assert.equal(brace.message, 'unexpected "}"');
    assert.deepEqual([brace.line, brace.column], [4, 1]);
  });
});

describe('parseSystemdUnit', () => {
  it('reads a docker-compose@.service template', () => {
    const config = unit('docker-compose@.service');
    assert.equal(config.unit_type, 'service');
    assert.equal(config.description, '%i service with docker compose');
    assert.deepEqual(config.exec_start, ['/usr/bin/docker compose up -d --remove-orphans']);
    assert.deepEqual(config.dependencies, {
      After: ['docker.service', 'network-online.target'],
      Requires: ['docker.service'],
      Wants: ['network-online.target'],
      PartOf: ['docker.service'],
    });
    assert.deepEqual(config.wanted_by, ['multi-user.target']);
    assert.equal(config.user, null);
  });

  it('reads a restic backup service: continued ExecStart, environment names only, optional EnvironmentFile', () => {
    const config = unit('restic-backup.service');
    assert.equal(config.user, 'restic');
    assert.deepEqual(config.exec_start, [
      '/usr/bin/restic backup --verbose --one-file-system --tag systemd.timer --exclude-caches --exclude-file=/etc/restic/excludes.txt /srv /etc',
    ]);
    assert.deepEqual(config.environment_keys, [
      'RESTIC_REPOSITORY',
      'RESTIC_PASSWORD_FILE',
      'B2_ACCOUNT_ID',
      'B2_ACCOUNT_KEY',
      'GOGC',
    ]);
    assert.deepEqual(config.environment_files, ['/etc/restic/b2.env', '-/etc/default/restic']);
    const json = JSON.stringify(parseSystemdUnit(fixture('systemd/restic-backup.service'), 'restic-backup.service'));
    assert.ok(!json.includes('K002x7Qv9PpZ3mN8sL1wE6rT4yU0iO'), 'the B2 account key leaked');
    assert.ok(!json.includes('homelab-backups'));
  });

  it('reads a timer', () => {
    const config = unit('restic-backup.timer');
    assert.equal(config.unit_type, 'timer');
    assert.equal(config.description, 'Nightly restic backup');
    assert.deepEqual(config.exec_start, []);
    assert.deepEqual(config.wanted_by, ['timers.target']);
  });

  it('reads a drop-in: unit type from its directory, ExecStart reset, comment inside a continuation', () => {
    const config = unit('docker-override.conf', '/etc/systemd/system/docker.service.d/override.conf');
    assert.equal(config.unit_type, 'service');
    assert.deepEqual(config.exec_start, [
      '/usr/bin/dockerd -H fd:// -H tcp://100.101.102.103:2375 --containerd=/run/containerd/containerd.sock',
    ]);
    assert.deepEqual(config.environment_keys, ['DOCKER_MIN_API_VERSION']);
  });

  it('accumulates repeated keys and resets lists on an empty assignment', () => {
    const config = data(
      parseSystemdUnit(
        [
          '[Unit]',
          'After=network.target',
          'After=',
          'After=docker.service',
          '[Service]',
          'ExecStart=/usr/bin/old --flag',
          'ExecStart=/usr/bin/second',
          'ExecStart=',
          'ExecStart=/usr/bin/new --flag',
          'Environment=OLD=1',
          'Environment=',
          'Environment="TOKEN=abc def" MODE=prod',
          '[Install]',
          'WantedBy=multi-user.target',
          'WantedBy=graphical.target',
        ].join('\n'),
        'app.service',
      ),
      'systemd',
    );
    assert.deepEqual(config.exec_start, ['/usr/bin/new --flag']);
    assert.deepEqual(config.dependencies, { After: ['docker.service'] });
    assert.deepEqual(config.environment_keys, ['TOKEN', 'MODE']);
    assert.deepEqual(config.wanted_by, ['multi-user.target', 'graphical.target']);
    assert.ok(!JSON.stringify(config).includes('abc def'));
  });

  it('reports a line without "=" with its line number', () => {
    const error = failure(
      parseSystemdUnit(fixture('systemd/minecraft-broken.service'), 'minecraft.service'),
      'systemd',
    );
    assert.equal(error.message, 'line is not a Key=value assignment');
    assert.equal(error.line, 10);
  });

  it('reports an assignment before any section and a malformed header', () => {
    assert.equal(failure(parseSystemdUnit('# header\nDescription=x\n[Unit]\n', 'x.service'), 'systemd').line, 2);
    const header = failure(
      parseSystemdUnit('[Unit]\nDescription=x\n[Service\nExecStart=/bin/true\n', 'x.service'),
      'systemd',
    );
    assert.match(header.message, /malformed section header/);
    assert.equal(header.line, 3);
  });
});

describe('configKindOf', () => {
  const cases: Array<[string, string]> = [
    ['/opt/stacks/arr/docker-compose.yml', 'compose'],
    ['/srv/immich/docker-compose.yaml', 'compose'],
    ['/opt/stacks/edge/compose.yaml', 'compose'],
    ['/opt/stacks/edge/compose.prod.yml', 'compose'],
    ['/opt/stacks/arr/docker-compose.override.yml', 'compose'],
    ['/opt/homeassistant/config/configuration.yaml', 'unknown'],
    ['/opt/appdata/swag/nginx/proxy-confs/grafana.subdomain.conf', 'nginx'],
    ['/opt/appdata/swag/nginx/proxy-confs/grafana.subdomain.conf.sample', 'unknown'],
    ['/config/nginx/site-confs/default.conf', 'nginx'],
    ['/etc/nginx/nginx.conf', 'nginx'],
    ['/etc/nginx/conf.d/gitea.conf', 'nginx'],
    ['/etc/nginx/sites-available/default', 'nginx'],
    ['/etc/systemd/system/docker-compose@.service', 'systemd'],
    ['/etc/systemd/system/restic-backup.timer', 'systemd'],
    ['/lib/systemd/system/ssh.service', 'systemd'],
    ['/etc/systemd/system/docker.service.d/override.conf', 'systemd'],
    ['/etc/systemd/system.conf', 'unknown'],
    ['/etc/systemd/system/multi-user.target.wants', 'unknown'],
    ['/home/pi/nginx.service', 'unknown'],
    ['/etc/fstab', 'unknown'],
  ];
  for (const [path, kind] of cases) {
    it(`${path} → ${kind}`, () => {
      assert.equal(configKindOf(path), kind);
    });
  }
});

describe('parseConfig', () => {
  it('dispatches on the path', () => {
    assert.equal(
      data(parseConfig('/srv/nextcloud/docker-compose.yml', fixture('compose/nextcloud.yml')), 'compose').services
        .length,
      4,
    );
    assert.equal(
      data(
        parseConfig('/config/nginx/proxy-confs/grafana.subdomain.conf', fixture('nginx/grafana.subdomain.conf')),
        'nginx',
      ).servers.length,
      1,
    );
    assert.equal(
      data(parseConfig('/etc/systemd/system/restic-backup.timer', fixture('systemd/restic-backup.timer')), 'systemd')
        .unit_type,
      'timer',
    );
  });

  it('passes parse errors through with their kind', () => {
    assert.equal(
      failure(parseConfig('/opt/stacks/pihole/docker-compose.yml', fixture('compose/pihole-bad-indent.yml')), 'compose')
        .line,
      13,
    );
  });

  it('counts the lines of a file of unknown kind', () => {
    assert.deepEqual(parseConfig('/etc/fstab', 'UUID=1 / ext4 defaults 0 1\nUUID=2 /boot vfat defaults 0 2\n'), {
      ok: true,
      data: { kind: 'unknown', lines: 2 },
    });
    assert.deepEqual(parseConfig('/etc/hostname', 'nas01'), { ok: true, data: { kind: 'unknown', lines: 1 } });
    assert.deepEqual(parseConfig('/etc/motd', ''), { ok: true, data: { kind: 'unknown', lines: 0 } });
  });
});
