import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessChangeImpact, type ChangeImpact, type ChangeImpactInput } from '../../domain/config/change-impact.ts';
import { semanticChanges } from '../../domain/config/config-diff.ts';
import type { ParsedConfig, ParsedConfigData, SystemdUnitConfig } from '../../domain/config/parsed-config.ts';
import { compose, nginx, port, server, service, unit as baseUnit } from '../support/parsed-config-builders.ts';

// ---------------------------------------------------------------------------------------------------
// Builders: literal parsed shapes, as the parsers would produce them.

/** A typical service unit; tests override what they change. */
function unit(fields: Partial<SystemdUnitConfig> = {}): SystemdUnitConfig {
  return baseUnit({
    exec_start: ['/usr/bin/app'],
    user: 'app',
    restart: 'on-failure',
    wanted_by: ['multi-user.target'],
    ...fields,
  });
}

const ok = (data: ParsedConfigData): ParsedConfig => ({ ok: true, data });

/** Computes the semantic changes the way the change pipeline does, then assesses. */
function assess(
  path: string,
  before: ParsedConfigData | ParsedConfig | null,
  after: ParsedConfigData | ParsedConfig | null,
): ChangeImpact {
  const wrap = (config: ParsedConfigData | ParsedConfig | null) =>
    config === null || 'ok' in config ? config : ok(config);
  const input: ChangeImpactInput = {
    path,
    changeType: before === null ? 'CREATE' : after === null ? 'DELETE' : 'MODIFY',
    before: wrap(before),
    after: wrap(after),
    changes: semanticChanges(before, after),
  };
  return assessChangeImpact(input);
}

const STACK = '/opt/stacks/media/compose.yaml';
const SWAG_CONF = '/mnt/user/appdata/swag/nginx/proxy-confs/grafana.subdomain.conf';
const NGINX_CONF = '/etc/nginx/sites-enabled/grafana.conf';
const UNIT = '/etc/systemd/system/backup.service';

// ---------------------------------------------------------------------------------------------------
// Parse failures and whole files

describe('assessChangeImpact: parse failures and whole files', () => {
  const broken: ParsedConfig = { ok: false, kind: 'nginx', error: { message: "unexpected '}'", line: 12, column: 3 } };
  const site = nginx([server(['grafana.*'], { upstreams: ['http://grafana:3000'] }), server(['loki.*'])]);

  it('raises a file that no longer parses to HIGH, citing the error, and hints the check instead of a reload', () => {
    assert.deepEqual(assess(SWAG_CONF, site, broken), {
      risk_level: 'HIGH',
      reasons: ["nginx config no longer parses: line 12, column 3: unexpected '}'"],
      affected_services: ['grafana.*', 'loki.*'],
      restart_required: false,
      restart_hint: 'docker exec swag nginx -t',
    });
  });

  it('judges a broken file as a whole even when handed field changes computed from parsed data only', () => {
    const impact = assessChangeImpact({
      path: STACK,
      changeType: 'MODIFY',
      before: ok(compose([service('db', { volumes: ['/srv/db:/data'] })])),
      after: { ok: false, kind: 'compose', error: { message: 'bad indentation', line: 7, column: 5 } },
      changes: semanticChanges(compose([service('db', { volumes: ['/srv/db:/data'] })]), null),
    });
    assert.deepEqual(impact.reasons, ['compose file no longer parses: line 7, column 5: bad indentation']);
    assert.deepEqual([impact.risk_level, impact.affected_services, impact.restart_required], ['HIGH', ['db'], false]);
  });

  it('keeps the risk raised while the file stays broken', () => {
    const impact = assess(SWAG_CONF, broken, broken);
    assert.equal(impact.risk_level, 'HIGH');
    assert.deepEqual(impact.reasons, ["nginx config still does not parse: line 12, column 3: unexpected '}'"]);
  });

  it('hints the validation command for each kind', () => {
    const error = { message: 'bad', line: null, column: null };
    assert.equal(
      assess('/srv/my stack/compose.yml', compose([]), { ok: false, kind: 'compose', error }).restart_hint,
      "docker compose -f '/srv/my stack/compose.yml' config --quiet",
    );
    assert.equal(
      assess(UNIT, unit(), { ok: false, kind: 'systemd', error }).restart_hint,
      `systemd-analyze verify ${UNIT}`,
    );
    assert.deepEqual(assess(UNIT, unit(), { ok: false, kind: 'systemd', error }).reasons, [
      'systemd unit no longer parses: bad',
    ]);
  });

  it('lowers the risk once the file parses again', () => {
    const impact = assess(NGINX_CONF, broken, site);
    assert.equal(impact.risk_level, 'LOW');
    assert.deepEqual(impact.reasons, ['nginx config parses again']);
    assert.deepEqual(impact.affected_services, ['grafana.*', 'loki.*']);
    assert.deepEqual([impact.restart_required, impact.restart_hint], [true, 'nginx -s reload']);
  });

  it('rates a deleted compose file HIGH, names its services, and has nothing to restart', () => {
    assert.deepEqual(assess(STACK, compose([service('sonarr'), service('radarr')]), null), {
      risk_level: 'HIGH',
      reasons: ['compose file deleted (services sonarr, radarr): the containers it started keep running, unmanaged'],
      affected_services: ['radarr', 'sonarr'],
      restart_required: false,
      restart_hint: null,
    });
  });

  it('rates a deleted systemd unit HIGH and hints daemon-reload', () => {
    assert.deepEqual(assess(UNIT, unit(), null), {
      risk_level: 'HIGH',
      reasons: ['systemd unit backup.service deleted: it will not start again once stopped or after a reboot'],
      affected_services: ['backup.service'],
      restart_required: true,
      restart_hint: 'systemctl daemon-reload',
    });
  });

  it('rates a deleted proxy conf MEDIUM and reloads SWAG', () => {
    const impact = assess(SWAG_CONF, site, null);
    assert.equal(impact.risk_level, 'MEDIUM');
    assert.deepEqual(impact.reasons, [
      'nginx config deleted (grafana.*, loki.*): no longer served after the next reload',
    ]);
    assert.equal(impact.restart_hint, 'docker exec swag nginx -s reload');
  });

  it('rates a moved compose file without a project name MEDIUM (the project name follows the directory)', () => {
    const file = compose([service('web')]);
    const impact = assessChangeImpact({
      path: '/opt/new/compose.yaml',
      changeType: 'MOVE',
      before: ok(file),
      after: ok(file),
      changes: [],
    });
    assert.equal(impact.risk_level, 'MEDIUM');
    assert.match(impact.reasons[0] ?? '', /^compose file moved to \/opt\/new\/compose\.yaml without a top-level name/);
    const named = compose([service('web')], { project_name: 'web' });
    assert.equal(
      assessChangeImpact({
        path: '/opt/new/compose.yaml',
        changeType: 'MOVE',
        before: ok(named),
        after: ok(named),
        changes: [],
      }).risk_level,
      'LOW',
    );
  });

  it('rates a comment- or whitespace-only change LOW with nothing to restart', () => {
    const file = compose([service('web', { image: 'nginx:1.27' })]);
    assert.deepEqual(assess(STACK, file, structuredClone(file)), {
      risk_level: 'LOW',
      reasons: ['no semantic change'],
      affected_services: [],
      restart_required: false,
      restart_hint: null,
    });
  });

  it('does not claim "no semantic change" for files it cannot compare', () => {
    const impact = assess('/etc/hosts', { kind: 'unknown', lines: 3 }, { kind: 'unknown', lines: 4 });
    assert.deepEqual(impact.reasons, ['content changed; unrecognised file type, so no semantic comparison']);
    assert.deepEqual([impact.restart_required, impact.restart_hint], [false, null]);
  });

  it('gives a created file with nothing to compare a reason too', () => {
    assert.deepEqual(assess('/etc/hosts', null, { kind: 'unknown', lines: 2 }).reasons, ['config file created']);
    assert.deepEqual(assess(NGINX_CONF, null, nginx([])).reasons, ['nginx config created']);
  });

  it('rates a kind change MEDIUM', () => {
    const impact = assess(NGINX_CONF, compose([service('web')]), site);
    assert.deepEqual(
      [impact.risk_level, impact.reasons],
      ['MEDIUM', ['file changed from compose file to nginx config']],
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Compose

describe('assessChangeImpact: compose', () => {
  it('rates a removed service HIGH and hints --remove-orphans', () => {
    const impact = assess(STACK, compose([service('sonarr'), service('radarr')]), compose([service('sonarr')]));
    assert.equal(impact.risk_level, 'HIGH');
    assert.deepEqual(impact.reasons, [
      'service radarr removed: its container is no longer managed here and `up --remove-orphans` deletes it',
    ]);
    assert.deepEqual(impact.affected_services, ['radarr']);
    assert.equal(impact.restart_hint, `docker compose -f ${STACK} up -d --remove-orphans`);
  });

  it('rates a removed published port HIGH, an unpublished one LOW', () => {
    const before = compose([service('web', { ports: [port('8080:80', '8080', '80'), port('9000', null, '9000')] })]);
    const impact = assess(STACK, before, compose([service('web')]));
    assert.equal(impact.risk_level, 'HIGH');
    assert.deepEqual(impact.reasons, [
      'service web: port 8080:80/tcp removed: clients using host port 8080 lose access',
      'service web: port 9000/tcp removed',
    ]);
    const unpublished = assess(
      STACK,
      compose([service('web', { ports: [port('9000', null, '9000')] })]),
      compose([service('web')]),
    );
    assert.equal(unpublished.risk_level, 'LOW');
  });

  it('rates a removed volume HIGH (data path)', () => {
    const impact = assess(
      STACK,
      compose([service('db', { volumes: ['/mnt/user/appdata/db:/var/lib/mysql'] })]),
      compose([service('db')]),
    );
    assert.equal(impact.risk_level, 'HIGH');
    assert.deepEqual(impact.reasons, [
      'service db: volume /mnt/user/appdata/db:/var/lib/mysql removed: the container no longer sees the data at that path (it may start empty)',
    ]);
  });

  it('rates privileged turned on HIGH, turned off LOW', () => {
    const impact = assess(STACK, compose([service('app')]), compose([service('app', { privileged: true })]));
    assert.deepEqual(
      [impact.risk_level, impact.reasons],
      ['HIGH', ['service app: privileged enabled: the container gets full access to host devices and the kernel']],
    );
    assert.equal(
      assess(STACK, compose([service('app', { privileged: true })]), compose([service('app')])).risk_level,
      'LOW',
    );
  });

  it('rates network_mode host HIGH, leaving a VPN container HIGH, other modes MEDIUM', () => {
    const host = assess(STACK, compose([service('app')]), compose([service('app', { network_mode: 'host' })]));
    assert.deepEqual(
      [host.risk_level, host.reasons],
      [
        'HIGH',
        [
          "service app: network_mode (none) → host: the container shares the host's network stack, bypassing port mappings",
        ],
      ],
    );
    const vpn = assess(
      STACK,
      compose([service('qbit', { network_mode: 'service:gluetun' })]),
      compose([service('qbit')]),
    );
    assert.deepEqual(
      [vpn.risk_level, vpn.reasons],
      [
        'HIGH',
        ['service qbit: network_mode service:gluetun → (none): traffic no longer goes through gluetun (often a VPN)'],
      ],
    );
    assert.equal(
      assess(STACK, compose([service('app')]), compose([service('app', { network_mode: 'bridge' })])).risk_level,
      'MEDIUM',
    );
  });

  it('flags a new service that is privileged or on the host network', () => {
    const impact = assess(STACK, compose([]), compose([service('agent', { privileged: true, network_mode: 'host' })]));
    assert.equal(impact.risk_level, 'HIGH');
    assert.deepEqual(impact.reasons, [
      'service agent added with privileged: true: full access to host devices and the kernel',
      "service agent added with network_mode host: it shares the host's network stack, bypassing port mappings",
      'service agent added',
    ]);
  });

  it('rates an image tag change MEDIUM and says when latest is unpinned', () => {
    const pinned = assess(
      STACK,
      compose([service('web', { image: 'nginx:1.25' })]),
      compose([service('web', { image: 'nginx:1.27' })]),
    );
    assert.deepEqual([pinned.risk_level, pinned.reasons], ['MEDIUM', ['service web: image nginx:1.25 → nginx:1.27']]);
    const latest = assess(
      STACK,
      compose([service('web', { image: 'lscr.io/linuxserver/sonarr:4.0.9' })]),
      compose([service('web', { image: 'lscr.io/linuxserver/sonarr' })]),
    );
    assert.deepEqual(latest.reasons, [
      'service web: image lscr.io/linuxserver/sonarr:4.0.9 → lscr.io/linuxserver/sonarr (lscr.io/linuxserver/sonarr is unpinned: the version that runs changes with every pull)',
    ]);
    const digest = assess(
      STACK,
      compose([service('web', { image: 'nginx:latest' })]),
      compose([service('web', { image: 'nginx@sha256:abc' })]),
    );
    assert.deepEqual(digest.reasons, [
      'service web: image nginx:latest → nginx@sha256:abc (pinned now; nginx:latest was unpinned)',
    ]);
    // A registry port is not a tag.
    const registry = assess(
      STACK,
      compose([service('web', { image: 'registry.lan:5000/app:1' })]),
      compose([service('web', { image: 'registry.lan:5000/app:2' })]),
    );
    assert.doesNotMatch(registry.reasons[0] ?? '', /unpinned/);
  });

  it('rates environment keys added LOW, removed MEDIUM, and never shows values', () => {
    const added = assess(STACK, compose([service('app')]), compose([service('app', { environment_keys: ['TZ'] })]));
    assert.deepEqual([added.risk_level, added.reasons], ['LOW', ['service app: environment key TZ added']]);
    const removed = assess(
      STACK,
      compose([service('app', { environment_keys: ['DB_PASSWORD=hunter2'] })]),
      compose([service('app')]),
    );
    assert.deepEqual(
      [removed.risk_level, removed.reasons],
      ['MEDIUM', ['service app: environment key DB_PASSWORD removed: the program may now miss required settings']],
    );
    assert.ok(!JSON.stringify(removed).includes('hunter2'));
  });

  it('rates routing labels MEDIUM and other labels LOW', () => {
    const routing = assess(
      STACK,
      compose([service('web', { labels: { 'traefik.http.routers.web.rule': 'Host(`a`)' } })]),
      compose([service('web', { labels: { 'traefik.http.routers.web.rule': 'Host(`b`)' } })]),
    );
    assert.deepEqual(
      [routing.risk_level, routing.reasons],
      ['MEDIUM', ['service web: label traefik.http.routers.web.rule changed: reverse-proxy routing label']],
    );
    const other = assess(
      STACK,
      compose([service('web')]),
      compose([service('web', { labels: { 'com.centurylinklabs.watchtower.enable': 'true' } })]),
    );
    assert.deepEqual(
      [other.risk_level, other.reasons],
      ['LOW', ['service web: label com.centurylinklabs.watchtower.enable added']],
    );
  });

  it('rates a restart policy dropped to none MEDIUM', () => {
    const impact = assess(
      STACK,
      compose([service('db', { restart: 'unless-stopped' })]),
      compose([service('db', { restart: 'no' })]),
    );
    assert.deepEqual(
      [impact.risk_level, impact.reasons],
      ['MEDIUM', ['service db: restart unless-stopped → no: it no longer comes back after a crash or reboot']],
    );
    assert.equal(
      assess(
        STACK,
        compose([service('db', { restart: 'always' })]),
        compose([service('db', { restart: 'unless-stopped' })]),
      ).risk_level,
      'LOW',
    );
  });

  it('hints `up -d` with exactly the touched services that still exist, quoting only when needed', () => {
    const before = compose([
      service('sonarr', { image: 'a:1' }),
      service('radarr', { image: 'b:1' }),
      service('plex', { image: 'c:1' }),
    ]);
    const after = compose([
      service('sonarr', { image: 'a:2' }),
      service('radarr', { image: 'b:2' }),
      service('plex', { image: 'c:1' }),
    ]);
    const impact = assess(STACK, before, after);
    assert.deepEqual(impact.affected_services, ['radarr', 'sonarr']);
    assert.deepEqual(
      [impact.restart_required, impact.restart_hint],
      [true, `docker compose -f ${STACK} up -d radarr sonarr`],
    );
    assert.equal(
      assess('/srv/my stack/compose.yml', before, after).restart_hint,
      "docker compose -f '/srv/my stack/compose.yml' up -d radarr sonarr",
    );
  });

  it('lists every service of a created compose file and brings them all up', () => {
    const impact = assess(STACK, null, compose([service('web'), service('db')]));
    assert.deepEqual(impact, {
      risk_level: 'LOW',
      reasons: ['service db added', 'service web added'],
      affected_services: ['db', 'web'],
      restart_required: true,
      restart_hint: `docker compose -f ${STACK} up -d db web`,
    });
  });

  it('orders reasons most severe first', () => {
    const before = compose([service('app', { image: 'app:1', volumes: ['/data:/data'], environment_keys: ['A'] })]);
    const after = compose([service('app', { image: 'app:2', environment_keys: ['A', 'B'] })]);
    assert.deepEqual(assess(STACK, before, after).reasons, [
      'service app: volume /data:/data removed: the container no longer sees the data at that path (it may start empty)',
      'service app: image app:1 → app:2',
      'service app: environment key B added',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// nginx

describe('assessChangeImpact: nginx', () => {
  const protectedSite = server(['grafana.*'], {
    upstreams: ['http://grafana:3000'],
    auth: ['include /config/nginx/authelia-location.conf'],
  });

  it('rates auth removed from a proxied server CRITICAL, citing the exposed upstream', () => {
    const exposed = server(['grafana.*'], { upstreams: ['http://grafana:3000'] });
    assert.deepEqual(assess(SWAG_CONF, nginx([protectedSite]), nginx([exposed])), {
      risk_level: 'CRITICAL',
      reasons: [
        'grafana.*: auth removed (include /config/nginx/authelia-location.conf): http://grafana:3000 is now reachable without login',
      ],
      affected_services: ['grafana.*'],
      restart_required: true,
      restart_hint: 'docker exec swag nginx -s reload',
    });
  });

  it('reports the loss of several auth entries once', () => {
    const both = server(['grafana.*'], {
      upstreams: ['http://grafana:3000'],
      auth: ['auth_basic', 'auth_request /authelia'],
    });
    const impact = assess(
      SWAG_CONF,
      nginx([both]),
      nginx([server(['grafana.*'], { upstreams: ['http://grafana:3000'] })]),
    );
    assert.deepEqual(impact.reasons, [
      'grafana.*: auth removed (auth_basic, auth_request /authelia): http://grafana:3000 is now reachable without login',
    ]);
  });

  it('rates swapping one auth method for another MEDIUM', () => {
    const swapped = server(['grafana.*'], {
      upstreams: ['http://grafana:3000'],
      auth: ['include /config/nginx/authentik-location.conf'],
    });
    const impact = assess(SWAG_CONF, nginx([protectedSite]), nginx([swapped]));
    assert.equal(impact.risk_level, 'MEDIUM');
    assert.ok(
      impact.reasons.includes(
        'grafana.*: auth include /config/nginx/authelia-location.conf removed; check that login is still enforced',
      ),
    );
  });

  it('rates ssl turned off HIGH', () => {
    const impact = assess(NGINX_CONF, nginx([server(['app.*'])]), nginx([server(['app.*'], { ssl: false })]));
    assert.deepEqual(
      [impact.risk_level, impact.reasons],
      ['HIGH', ['app.*: ssl turned off: traffic, including logins and cookies, goes over plain HTTP']],
    );
  });

  it('rates an upstream change MEDIUM and reloads plain nginx outside SWAG', () => {
    const impact = assess(
      NGINX_CONF,
      nginx([server(['app.*'], { upstreams: ['http://grafana:3000'] })]),
      nginx([server(['app.*'], { upstreams: ['http://grafana:3001'] })]),
    );
    assert.deepEqual(impact, {
      risk_level: 'MEDIUM',
      reasons: ['app.*: upstream http://grafana:3000 → http://grafana:3001'],
      affected_services: ['app.*'],
      restart_required: true,
      restart_hint: 'nginx -s reload',
    });
  });

  it('uses the SWAG reload for a /swag/ path and for proxy-confs under another directory name', () => {
    const before = nginx([server(['_'])]);
    const after = nginx([server(['_'], { listen: ['8443 ssl'] })]);
    assert.equal(
      assess('/opt/swag/nginx/site-confs/default.conf', before, after).restart_hint,
      'docker exec swag nginx -s reload',
    );
    // SWAG's former name: old installs keep their appdata under letsencrypt/.
    assert.equal(
      assess('/mnt/user/appdata/letsencrypt/nginx/proxy-confs/app.subdomain.conf', before, after).restart_hint,
      'docker exec swag nginx -s reload',
    );
  });

  it('counts servers proxying to a changed upstream block as affected', () => {
    const before = nginx([server(['app.*'], { upstreams: ['http://backend/api'] }), server(['other.*'])], {
      upstream_blocks: { backend: ['10.0.0.5:8080'] },
    });
    const after = nginx([server(['app.*'], { upstreams: ['http://backend/api'] }), server(['other.*'])], {
      upstream_blocks: { backend: ['10.0.0.6:8080'] },
    });
    const impact = assess(NGINX_CONF, before, after);
    assert.deepEqual([impact.risk_level, impact.affected_services], ['MEDIUM', ['app.*']]);
    assert.deepEqual(impact.reasons, ['upstream backend: servers 10.0.0.5:8080 → 10.0.0.6:8080']);
  });

  it('rates a new proxied server without auth MEDIUM and lists all its names', () => {
    const impact = assess(
      NGINX_CONF,
      nginx([]),
      nginx([server(['app.*', 'app.example.com'], { upstreams: ['http://app:80'] })]),
    );
    assert.equal(impact.risk_level, 'MEDIUM');
    assert.deepEqual(impact.reasons, [
      'server app.* app.example.com added: proxies to http://app:80 with no auth in front',
    ]);
    assert.deepEqual(impact.affected_services, ['app.*', 'app.example.com']);
  });

  it('rates a removed server and a removed location MEDIUM, an added location LOW', () => {
    assert.equal(
      assess(NGINX_CONF, nginx([server(['a.*']), server(['b.*'])]), nginx([server(['a.*'])])).risk_level,
      'MEDIUM',
    );
    const location = (path: string) => ({ path, proxy_pass: null });
    assert.equal(
      assess(
        NGINX_CONF,
        nginx([server(['a.*'], { locations: [location('/'), location('/api')] })]),
        nginx([server(['a.*'], { locations: [location('/')] })]),
      ).risk_level,
      'MEDIUM',
    );
    assert.equal(
      assess(
        NGINX_CONF,
        nginx([server(['a.*'], { locations: [location('/')] })]),
        nginx([server(['a.*'], { locations: [location('/'), location('/api')] })]),
      ).risk_level,
      'LOW',
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// systemd

describe('assessChangeImpact: systemd', () => {
  it('rates an ExecStart change MEDIUM and hints daemon-reload plus restart of the unit', () => {
    assert.deepEqual(assess(UNIT, unit(), unit({ exec_start: ['/usr/bin/app --verbose'] })), {
      risk_level: 'MEDIUM',
      reasons: ['ExecStart: /usr/bin/app → /usr/bin/app --verbose'],
      affected_services: ['backup.service'],
      restart_required: true,
      restart_hint: 'systemctl daemon-reload && systemctl restart backup.service',
    });
  });

  it('rates a unit that now runs as root HIGH', () => {
    const impact = assess(UNIT, unit(), unit({ user: null }));
    assert.deepEqual(
      [impact.risk_level, impact.reasons],
      ['HIGH', ['User: app → (none): the service now runs as root']],
    );
    assert.equal(assess(UNIT, unit(), unit({ user: 'backup' })).risk_level, 'MEDIUM');
  });

  it('treats an [Install]-only change as needing reenable, not a restart', () => {
    const impact = assess(UNIT, unit(), unit({ wanted_by: [] }));
    assert.deepEqual(
      [impact.risk_level, impact.reasons],
      ['MEDIUM', ['WantedBy: multi-user.target → (none): it is no longer started at boot']],
    );
    assert.deepEqual(
      [impact.restart_required, impact.restart_hint],
      [false, 'systemctl daemon-reload && systemctl reenable backup.service'],
    );
  });

  it('rates environment files removed MEDIUM, dependencies LOW', () => {
    assert.equal(assess(UNIT, unit({ environment_files: ['/etc/backup.env'] }), unit()).risk_level, 'MEDIUM');
    assert.equal(assess(UNIT, unit(), unit({ dependencies: { After: ['network-online.target'] } })).risk_level, 'LOW');
  });

  it('enables and starts a created unit that has an [Install] target', () => {
    assert.equal(
      assess(UNIT, null, unit()).restart_hint,
      'systemctl daemon-reload && systemctl enable --now backup.service',
    );
    assert.equal(
      assess(UNIT, null, unit({ wanted_by: [] })).restart_hint,
      'systemctl daemon-reload && systemctl start backup.service',
    );
  });
});
