import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { shellQuote } from '../../domain/ssh/quote.ts';
import { devicePasswdEntry, type TestSshd } from './sshd.ts';

/**
 * `nginx` and `curl` stand-ins for a test device with a SWAG-style proxy, for host nginx and for
 * `docker exec <swag> nginx ...` (the docker stand-in's exec runs the command with CONTAINER set).
 *
 * `nginx -t` reads every `*.conf` of the proxy-confs directory in name order, as SWAG's nginx.conf
 * includes them, and stops at the first error with nginx's own words and `file:line`: an unknown
 * directive, an unexpected `}`, an unexpected end of file, or an included file that does not exist
 * (`/config/...` is the SWAG config root). Inside the container the paths are the container's
 * (`/config/nginx/proxy-confs/...`), on the host the device's. `nginx -s reload` refuses a config that
 * fails the test (as nginx does) and otherwise loads it: which server names and folders are proxied to
 * which upstream app. `curl` answers from what was loaded: the Host header (or the path, for a subfolder)
 * finds the conf, the conf names the upstream app, and `upstreams.json` in the state directory says what
 * that app answers (an app not listed is unreachable: 502, as nginx answers then); nothing matching: 404.
 */
export interface NginxStandIn {
  /** The SWAG config root on the device (mounted at /config in the container). */
  configRoot: string;
  /** `<configRoot>/nginx/proxy-confs`. */
  confDir: string;
  /** What each upstream app answers through the proxy, e.g. `{ grafana: 302 }`. */
  setUpstreams(statuses: Record<string, number>): void;
}

const KNOWN_DIRECTIVES = [
  'server',
  'listen',
  'server_name',
  'include',
  'client_max_body_size',
  'location',
  'proxy_pass',
  'set',
  'return',
  'rewrite',
  'if',
  'proxy_http_version',
  'proxy_set_header',
  'proxy_hide_header',
  'proxy_redirect',
  'proxy_buffering',
  'proxy_read_timeout',
  'proxy_max_temp_file_size',
  'proxy_cache_bypass',
  'auth_basic',
  'auth_basic_user_file',
  'auth_request',
  'error_page',
  'root',
  'index',
  'try_files',
  'add_header',
  'allow',
  'deny',
  'access_log',
  'error_log',
  'upstream',
  'resolver',
  'ssl_certificate',
  'ssl_certificate_key',
  'internal',
  'alias',
  'expires',
  'gzip',
  'client_body_buffer_size',
  'keepalive_timeout',
];

/** Run by `node` as CommonJS, whatever package.json encloses the test directory. */
const SCRIPT = String.raw`const fs = require('node:fs');
const path = require('node:path');
const settings = JSON.parse(fs.readFileSync(path.join(path.dirname(__filename), 'nginx-stand-in.json'), 'utf8'));
const { configRoot, confDir, stateDir, known } = settings;
const [tool, ...args] = process.argv.slice(2);
fs.appendFileSync(process.env.INFRA_TEST_EXEC_LOG, tool + (process.env.CONTAINER ? ' (in ' + process.env.CONTAINER + ')' : '') + ' ' + args.join(' ') + '\n');
const inContainer = Boolean(process.env.CONTAINER);
const shown = (file) => (inContainer ? file.replace(configRoot, '/config') : file);
const mainConf = inContainer ? '/config/nginx/nginx.conf' : '/etc/nginx/nginx.conf';

function confs() {
  return fs.readdirSync(confDir).filter((f) => f.endsWith('.conf')).sort().map((f) => path.join(confDir, f));
}

/** Directives of one file, or the first error nginx would report for it. */
function read(file) {
  const text = fs.readFileSync(file, 'utf8');
  const found = [];
  let words = [];
  let depth = 0;
  let line = 1;
  let i = 0;
  const fail = (message, at) => { throw new Error('nginx: [emerg] ' + message + ' in ' + shown(file) + ':' + at); };
  const end = (terminator) => {
    const [name, ...rest] = words;
    if (!known.includes(name.text)) fail('unknown directive "' + name.text + '"', name.line);
    if (name.text === 'include' && rest[0]) {
      const target = rest[0].text.startsWith('/config/') ? configRoot + rest[0].text.slice('/config'.length) : rest[0].text;
      if (!fs.existsSync(target)) fail('open() "' + rest[0].text + '" failed (2: No such file or directory)', name.line);
    }
    found.push({ name: name.text, args: rest.map((w) => w.text), depth, block: terminator === '{' });
    words = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === ';') { if (words.length === 0) fail('unexpected ";"', line); end(';'); i++; continue; }
    if (c === '{') { if (words.length === 0) fail('unexpected "{"', line); end('{'); depth++; i++; continue; }
    if (c === '}') { if (words.length > 0 || depth === 0) fail('unexpected "}"', line); depth--; i++; continue; }
    const start = line;
    let word = '';
    if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c) { if (text[i] === '\n') line++; word += text[i++]; }
      i++;
    } else {
      while (i < text.length && !/[\s;{]/.test(text[i])) word += text[i++];
    }
    words.push({ text: word, line: start });
  }
  if (words.length > 0) fail('unexpected end of file, expecting ";" or "}"', line);
  if (depth > 0) fail('unexpected end of file, expecting "}"', line);
  return found;
}

function test() {
  return confs().map((file) => ({ file, directives: read(file) }));
}

function load(parsed) {
  const loaded = [];
  for (const { directives } of parsed) {
    const app = directives.find((d) => d.name === 'set' && d.args[0] === '$upstream_app');
    const names = directives.filter((d) => d.name === 'server_name').flatMap((d) => d.args);
    const folders = directives.filter((d) => d.name === 'location' && d.args[0] === '^~').map((d) => d.args[1]);
    loaded.push({ names, folders, app: app ? app.args[1] : null });
  }
  fs.writeFileSync(path.join(stateDir, 'loaded.json'), JSON.stringify(loaded));
}

if (tool === 'nginx') {
  const testing = args[0] === '-t';
  const reloading = args[0] === '-s' && args[1] === 'reload';
  if (!testing && !reloading) { console.error('nginx stand-in: unsupported: ' + args.join(' ')); process.exit(2); }
  let parsed;
  try {
    parsed = test();
  } catch (err) {
    console.error(err.message);
    if (testing) console.error('nginx: configuration file ' + mainConf + ' test failed');
    process.exit(1);
  }
  if (testing) {
    console.error('nginx: the configuration file ' + mainConf + ' syntax is ok');
    console.error('nginx: configuration file ' + mainConf + ' test is successful');
  } else {
    load(parsed);
  }
  process.exit(0);
}

// curl -sS -k -o /dev/null --max-time N -w FORMAT [-H 'Host: x'] URL
let format = '';
let host = null;
let url = null;
for (let a = 0; a < args.length; a++) {
  if (args[a] === '-w') format = args[++a];
  else if (args[a] === '-H') { const h = /^host:\s*(.*)$/i.exec(args[++a]); if (h) host = h[1]; }
  else if (args[a] === '-o' || args[a] === '--max-time') a++;
  else if (!args[a].startsWith('-')) url = new URL(args[a]);
}
const loadedFile = path.join(stateDir, 'loaded.json');
const loaded = fs.existsSync(loadedFile) ? JSON.parse(fs.readFileSync(loadedFile, 'utf8')) : [];
const upstreams = JSON.parse(fs.readFileSync(path.join(stateDir, 'upstreams.json'), 'utf8'));
const name = (host || url.host).replace(/:\d+$/, '');
const matches = (pattern) => pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1)));
const conf = loaded.find((c) => c.names.some(matches)) || loaded.find((c) => c.names.length === 0 && c.folders.some((f) => url.pathname.startsWith(f)));
const status = !conf ? 404 : (upstreams[conf.app] ?? 502);
process.stdout.write(format.replace('%{http_code}', String(status)).replace(/\\n/g, '\n'));
`;

export function installNginxStandIn(sshd: TestSshd): NginxStandIn {
  const root = path.join(sshd.binDir, '..', 'swag');
  const configRoot = path.join(root, 'config');
  const confDir = path.join(configRoot, 'nginx', 'proxy-confs');
  const stateDir = path.join(root, 'state');
  mkdirSync(confDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  // What SWAG ships beside the confs, which every generated conf includes.
  for (const snippet of ['ssl.conf', 'proxy.conf', 'resolver.conf'])
    writeFileSync(path.join(configRoot, 'nginx', snippet), '');
  writeFileSync(path.join(stateDir, 'upstreams.json'), '{}');
  // The device user owns the proxy's appdata, as on a homelab host.
  const { uid, gid } = devicePasswdEntry();
  for (const dir of [
    root,
    configRoot,
    path.join(configRoot, 'nginx'),
    confDir,
    stateDir,
    path.join(stateDir, 'upstreams.json'),
  ])
    chownSync(dir, uid, gid);
  writeFileSync(
    path.join(root, 'nginx-stand-in.json'),
    JSON.stringify({ configRoot, confDir, stateDir, known: KNOWN_DIRECTIVES }),
  );
  writeFileSync(path.join(root, 'nginx-stand-in.cjs'), SCRIPT);
  for (const tool of ['nginx', 'curl'])
    sshd.standIn(tool, `#!/bin/sh\nexec node ${shellQuote(path.join(root, 'nginx-stand-in.cjs'))} ${tool} "$@"\n`);
  return {
    configRoot,
    confDir,
    setUpstreams: (statuses) => writeFileSync(path.join(stateDir, 'upstreams.json'), JSON.stringify(statuses)),
  };
}
