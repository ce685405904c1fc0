import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ContainersData } from '../../domain/collectors/containers.ts';
import { parseNginx } from '../../domain/config/nginx.ts';
import type { NginxConfig } from '../../domain/config/parsed-config.ts';
import { renderProxyConf } from '../../domain/proxy/proxy-conf-template.ts';
import {
  chooseProxy,
  parseAnswerCheck,
  parseConfList,
  parseMounts,
  parseProxySurvey,
} from '../../domain/proxy/proxy-scripts.ts';
import { brokenUpstreamInsights, proxyConfEntry } from '../../domain/proxy/proxy-upstreams.ts';
import { ProxyConfFileName, ProxyConfQuery, ProxyConfRequest } from '../../schema/proxy-conf.ts';
import { parsedFixture } from '../support/collector-fixtures.ts';

const request = (fields: Record<string, unknown>) =>
  ProxyConfRequest.parse({ name: 'jellyfin', upstream_app: 'jellyfin', upstream_port: 8096, ...fields });
const nginx = (text: string): NginxConfig => {
  const parsed = parseNginx(text);
  assert.ok(parsed.ok && parsed.data.kind === 'nginx', JSON.stringify(parsed));
  return parsed.data as NginxConfig;
};
/** SWAG's own sample as linuxserver/reverse-proxy-confs ships it (see test/fixtures/config/nginx). */
const swagSample = (name: string) => readFileSync(new URL(`../fixtures/config/nginx/${name}`, import.meta.url), 'utf8');

describe('proxy conf templates', () => {
  it("a subdomain conf is SWAG's template with the upstream set: the same server block as SWAG's grafana sample", () => {
    const rendered = renderProxyConf(request({ name: 'grafana', upstream_app: 'grafana', upstream_port: 3000 }));
    assert.equal(rendered.file, 'grafana.subdomain.conf');
    const ours = nginx(rendered.content).servers[0]!;
    const theirs = nginx(swagSample('grafana.subdomain.conf')).servers[0]!;
    assert.deepEqual(ours.server_names, theirs.server_names);
    assert.deepEqual(ours.listen, theirs.listen);
    assert.equal(ours.ssl, theirs.ssl);
    assert.deepEqual(ours.locations[0], theirs.locations[0]);
    assert.deepEqual(ours.auth, []);
    assert.deepEqual(rendered.check, { host: 'grafana.localhost', path: '/' });
  });

  it("auth includes go in the server block and the location, as the template's comments say; websocket adds the upgrade headers", () => {
    for (const auth of ['authelia', 'authentik'] as const) {
      const rendered = renderProxyConf(request({ auth, websocket: true, domain: 'example.com', subdomain: 'media' }));
      const server = nginx(rendered.content).servers[0]!;
      assert.deepEqual(server.server_names, ['media.example.com']);
      assert.deepEqual(server.auth, [
        `include /config/nginx/${auth}-server.conf`,
        `include /config/nginx/${auth}-location.conf`,
      ]);
      assert.match(rendered.content, /^ {8}proxy_set_header Upgrade \$http_upgrade;$/m);
      assert.match(rendered.content, /^ {8}proxy_set_header Connection "upgrade";$/m);
      assert.equal(rendered.check.host, 'media.example.com');
    }
    assert.doesNotMatch(renderProxyConf(request({})).content, /Upgrade|authelia|authentik/);
  });

  it("a subfolder conf redirects the bare path and proxies the folder, like SWAG's jellyfin sample", () => {
    const rendered = renderProxyConf(request({ kind: 'subfolder' }));
    assert.equal(rendered.file, 'jellyfin.subfolder.conf');
    const ours = nginx(rendered.content).servers[0]!;
    const theirs = nginx(swagSample('jellyfin.subfolder.conf')).servers[0]!;
    assert.deepEqual(ours.locations, theirs.locations);
    assert.deepEqual(ours.upstreams, ['http://jellyfin:8096']);
    assert.deepEqual(rendered.check, { host: null, path: '/jellyfin/' });
    assert.deepEqual(
      nginx(renderProxyConf(request({ kind: 'subfolder', path: '/media/tv/' })).content).servers[0]!.locations.map(
        (l) => l.path,
      ),
      ['/media/tv', '^~ /media/tv/'],
    );
  });
});

describe('proxy conf input validation', () => {
  const refused = (fields: Record<string, unknown>, field: string) => {
    const result = ProxyConfRequest.safeParse({
      name: 'jellyfin',
      upstream_app: 'jellyfin',
      upstream_port: 8096,
      ...fields,
    });
    assert.equal(result.success, false, `${JSON.stringify(fields)} was accepted`);
    assert.deepEqual(
      result.error!.issues.map((i) => i.path.join('.')),
      [field],
      JSON.stringify(result.error!.issues),
    );
  };

  it('refuses names that are shell commands or nginx syntax', () => {
    refused({ name: '$(reboot)' }, 'name');
    refused({ name: 'x;rm -rf /' }, 'name');
    refused({ name: 'Jellyfin' }, 'name');
    refused({ subdomain: 'a b' }, 'subdomain');
    refused({ subdomain: '-x' }, 'subdomain');
    refused({ domain: 'example.com; include /etc/passwd' }, 'domain');
    refused({ upstream_app: 'jellyfin; return 200 x' }, 'upstream_app');
    refused({ upstream_app: '`id`' }, 'upstream_app');
    refused({ upstream_app: 'a}b' }, 'upstream_app');
  });

  it('refuses ports outside 1-65535 and unknown protocols or auth', () => {
    refused({ upstream_port: 0 }, 'upstream_port');
    refused({ upstream_port: 65536 }, 'upstream_port');
    refused({ upstream_port: 80.5 }, 'upstream_port');
    refused({ upstream_proto: 'ftp' }, 'upstream_proto');
    refused({ auth: 'basic' }, 'auth');
  });

  it('refuses paths with "..", relative or odd ones, for the subfolder and the conf dir', () => {
    refused({ kind: 'subfolder', path: '/media/../admin' }, 'path');
    refused({ kind: 'subfolder', path: '/..' }, 'path');
    refused({ kind: 'subfolder', path: 'media' }, 'path');
    refused({ kind: 'subfolder', path: '/' }, 'path');
    refused({ kind: 'subfolder', path: '/a b' }, 'path');
    refused({ kind: 'subfolder', path: '/a;b' }, 'path');
    refused({ conf_dir: '/config/nginx/../../etc' }, 'conf_dir');
    refused({ conf_dir: 'nginx/proxy-confs' }, 'conf_dir');
    refused({ check_url: 'https://127.0.0.1/$(id)' }, 'check_url');
    refused({ check_url: 'https://:04' }, 'check_url');
    refused({ proxy: { container: 'swag && reboot' } }, 'proxy.container');
    refused({ extra: 1 }, '');
  });

  it('conf file names and the location query are checked the same way', () => {
    assert.equal(ProxyConfFileName.safeParse('jellyfin.subdomain.conf').success, true);
    for (const bad of ['../jellyfin.subdomain.conf', 'nginx.conf', 'x;reboot.subdomain.conf', '.subdomain.conf'])
      assert.equal(ProxyConfFileName.safeParse(bad).success, false, bad);
    assert.deepEqual(ProxyConfQuery.parse({ container: 'swag' }), {
      conf_dir: undefined,
      proxy: { container: 'swag' },
    });
    assert.deepEqual(ProxyConfQuery.parse({}), { conf_dir: undefined, proxy: 'auto' });
    assert.equal(ProxyConfQuery.safeParse({ container: 'swag', proxy: 'host' }).success, false);
    assert.equal(ProxyConfQuery.safeParse({ conf_dir: '/a/../b' }).success, false);
  });
});

describe('proxy conf upstreams', () => {
  // Docker 27.1's real `docker ps`/inspect of a small host: jellyfin paused, a compose stack with services app, db, redis (restarting).
  const { containers } = parsedFixture<ContainersData>('containers', 'docker-27.1.txt');

  it('reads each upstream from set $upstream_* and says whether its container runs', () => {
    const jellyfin = proxyConfEntry(
      '/config/nginx/proxy-confs/jellyfin.subfolder.conf',
      swagSample('jellyfin.subfolder.conf'),
      containers,
    );
    assert.equal(jellyfin.kind, 'subfolder');
    assert.deepEqual(
      jellyfin.upstreams.map((u) => [u.url, u.app, u.port, u.state, u.container_state]),
      [['http://jellyfin:8096', 'jellyfin', 8096, 'not_running', 'paused']],
    );
    const grafana = proxyConfEntry('/c/grafana.subdomain.conf', swagSample('grafana.subdomain.conf'), containers);
    assert.deepEqual(grafana.server_names, ['grafana.*']);
    assert.deepEqual(
      grafana.upstreams.map((u) => u.state),
      ['missing'],
    );
    // A compose service name resolves on the project's network as well as the container name.
    const app = proxyConfEntry(
      '/c/app.subdomain.conf',
      renderProxyConf(request({ name: 'app', upstream_app: 'app', upstream_port: 80 })).content,
      containers,
    );
    assert.deepEqual(
      app.upstreams.map((u) => [u.state, u.container]),
      [['running', 'nextcloud-app-1']],
    );
  });

  it('addresses and DNS names are not containers; a conf nginx cannot parse says where', () => {
    const direct = proxyConfEntry(
      '/c/nas.subdomain.conf',
      'server { server_name nas.*; location / { proxy_pass https://192.168.1.10:5001; } location /x { proxy_pass http://nas.lan:80; } }',
      containers,
    );
    assert.deepEqual(
      direct.upstreams.map((u) => u.state),
      ['not_a_container', 'not_a_container'],
    );
    const broken = proxyConfEntry(
      '/c/vaultwarden.subdomain.conf',
      swagSample('vaultwarden-missing-brace.conf'),
      containers,
    );
    assert.match(broken.parse_error ?? '', /line \d+/);
    assert.deepEqual(broken.upstreams, []);
  });

  it('a missing or stopped upstream container is a broken-upstream insight', () => {
    const entries = [
      proxyConfEntry('/c/jellyfin.subfolder.conf', swagSample('jellyfin.subfolder.conf'), containers),
      proxyConfEntry('/c/grafana.subdomain.conf', swagSample('grafana.subdomain.conf'), containers),
      proxyConfEntry(
        '/c/app.subdomain.conf',
        renderProxyConf(request({ name: 'app', upstream_app: 'app', upstream_port: 80 })).content,
        containers,
      ),
    ];
    const insights = brokenUpstreamInsights(entries);
    assert.deepEqual(
      insights.map((i) => [i.code, i.subject, i.evidence.state]),
      [
        ['proxy_upstream_broken', 'jellyfin.subfolder.conf', 'not_running'],
        ['proxy_upstream_broken', 'grafana.subdomain.conf', 'missing'],
      ],
    );
    assert.equal(
      insights[0]!.message,
      'jellyfin.subfolder.conf proxies to jellyfin:8096, but container jellyfin is paused',
    );
    assert.equal(
      insights[1]!.message,
      'grafana.subdomain.conf proxies to grafana:3000, but no container grafana exists',
    );
  });
});

describe('finding the proxy on a device', () => {
  const survey = (lines: string[]) => parseProxySurvey(lines.join('\n'));
  const ps = (name: string, image: string, state = 'running') =>
    JSON.stringify({ Names: name, Image: image, State: state, Status: 'Up 2 hours' });

  it('auto: the SWAG container with /config mounted, its proxy-confs beneath; a named conf dir picks the container that mounts it', () => {
    const found = survey([
      '@@host-nginx 1',
      '@@containers',
      ps('web', 'nginx:1.27-alpine'),
      ps('swag', 'lscr.io/linuxserver/swag:latest'),
      ps('old', 'linuxserver/swag', 'exited'),
      '@@end',
    ]);
    assert.deepEqual(
      found.candidates.map((c) => c.name),
      ['swag', 'web'],
    );
    const mounts = parseMounts(
      '@@mount swag\t/opt/appdata/swag\t/config\n@@mount web\t/srv/web/conf.d\t/etc/nginx/conf.d\n',
    );
    assert.deepEqual(chooseProxy('auto', null, found, mounts), {
      mode: 'container',
      container: 'swag',
      conf_dir: '/opt/appdata/swag/nginx/proxy-confs',
    });
    assert.deepEqual(chooseProxy('auto', '/srv/web/conf.d', found, mounts), {
      mode: 'container',
      container: 'web',
      conf_dir: '/srv/web/conf.d',
    });
    // Nothing mounts that directory: the host's nginx serves it.
    assert.deepEqual(chooseProxy('auto', '/etc/nginx/sites-enabled', found, mounts), {
      mode: 'host',
      container: null,
      conf_dir: '/etc/nginx/sites-enabled',
    });
    assert.deepEqual(chooseProxy({ container: 'swag' }, null, found, mounts), {
      mode: 'container',
      container: 'swag',
      conf_dir: '/opt/appdata/swag/nginx/proxy-confs',
    });
  });

  it('no container and no host nginx, or host asked where there is none, is a clear refusal', () => {
    const none = survey(['@@host-nginx 0', '@@containers', '@@end']);
    assert.throws(() => chooseProxy('auto', null, none, new Map()), /no running SWAG\/nginx container/);
    assert.throws(() => chooseProxy('host', null, none, new Map()), /nginx is not installed on the host/);
    assert.throws(() => chooseProxy({ container: 'swag' }, null, none, new Map()), /give conf_dir/);
  });
});

describe('the answer check and the conf listing', () => {
  it('any status but 502/503/504 counts as answering; no answer at all does not', () => {
    assert.deepEqual(parseAnswerCheck('@@status 401\n@@exit 0\n'), {
      checked: true,
      status: 401,
      answering: true,
      detail: 'answered 401',
    });
    assert.equal(parseAnswerCheck('@@status 302\n@@exit 0\n').answering, true);
    for (const status of [502, 503, 504])
      assert.equal(parseAnswerCheck(`@@status ${status}\n@@exit 0\n`).answering, false);
    // curl's own words when nothing listens (curl 7.88).
    const refused = parseAnswerCheck(
      "curl: (7) Failed to connect to 127.0.0.1 port 443 after 0 ms: Couldn't connect to server\n@@status 000\n@@exit 7\n",
    );
    assert.equal(refused.answering, false);
    assert.match(refused.detail, /Failed to connect/);
    assert.deepEqual(parseAnswerCheck('@@no-curl\n'), {
      checked: false,
      status: null,
      answering: false,
      detail: 'not checked: curl is not installed on the device',
    });
  });

  it('lists every conf with its bytes; a missing dir and too-large files are said so', () => {
    const content = 'server {\n    server_name a.*;\n}\n';
    const listed = parseConfList(
      `@@file /c/a.subdomain.conf\n${Buffer.from(content).toString('base64')}\n@@too-large 999999 /c/big.conf\n@@end\n`,
    );
    assert.deepEqual(listed, {
      dirExists: true,
      files: [
        { path: '/c/a.subdomain.conf', content },
        { path: '/c/big.conf', content: null },
      ],
    });
    assert.deepEqual(parseConfList('@@no-dir\n'), { dirExists: false, files: [] });
  });
});
