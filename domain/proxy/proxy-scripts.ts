import type { LocatedProxy, NginxRun, ProxySelection } from '../../schema/proxy-conf.ts';
import { shellQuote } from '../ssh/quote.ts';

/**
 * Shell for the proxy's nginx on a device, and the parsing of its answers. Every name and path reaching
 * a script is quoted; the container names were validated as docker names before.
 */

/** Conf files are small; a bigger one in a conf dir is listed by name only. */
export const PROXY_CONF_LIMIT_BYTES = 256 * 1024;

/** Whether the host has nginx, and every running container (`docker ps` JSON lines). */
export const PROXY_SURVEY_SCRIPT = [
  'if command -v nginx >/dev/null 2>&1; then echo "@@host-nginx 1"; else echo "@@host-nginx 0"; fi',
  "if command -v docker >/dev/null 2>&1; then echo @@containers; docker ps --no-trunc --format '{{json .}}' 2>/dev/null; fi",
  'echo @@end',
].join('\n');

export interface ProxySurvey {
  hostNginx: boolean;
  /** Running containers whose image is SWAG's or nginx's. */
  candidates: Array<{ name: string; image: string }>;
}

export function parseProxySurvey(stdout: string): ProxySurvey {
  const lines = stdout.split('\n');
  const candidates: ProxySurvey['candidates'] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let row: { Names?: unknown; Image?: unknown; State?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      continue;
    }
    if (typeof row.Names !== 'string' || typeof row.Image !== 'string' || row.State !== 'running') continue;
    if (/swag|nginx/i.test(row.Image)) candidates.push({ name: row.Names, image: row.Image });
  }
  // SWAG first: a device with both runs its proxy in SWAG and nginx for something else.
  candidates.sort((a, b) => Number(!/swag/i.test(a.image)) - Number(!/swag/i.test(b.image)));
  return { hostNginx: lines.includes('@@host-nginx 1'), candidates };
}

/** Each named container's bind mounts, as `@@mount <name>\t<source>\t<destination>` lines. */
export function mountsScript(names: readonly string[]): string {
  const template = shellQuote('{{range .Mounts}}{{.Source}}{{"\\t"}}{{.Destination}}{{"\\n"}}{{end}}');
  return names
    .map(
      (name) =>
        `docker container inspect --format ${template} ${shellQuote(name)} 2>/dev/null | while IFS= read -r m; do [ -n "$m" ] && printf '@@mount %s\\t%s\\n' ${shellQuote(name)} "$m"; done`,
    )
    .concat('true')
    .join('\n');
}

export type Mounts = Map<string, Array<{ source: string; destination: string }>>;

export function parseMounts(stdout: string): Mounts {
  const mounts: Mounts = new Map();
  for (const line of stdout.split('\n')) {
    const match = /^@@mount ([^\t]+)\t([^\t]+)\t([^\t]+)$/.exec(line);
    if (!match) continue;
    const list = mounts.get(match[1]!) ?? [];
    list.push({ source: match[2]!, destination: match[3]! });
    mounts.set(match[1]!, list);
  }
  return mounts;
}

const within = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** Where a container keeps its confs on the host: SWAG's /config tree, or what is mounted over nginx's conf.d. */
function confDirOf(image: string, mounts: Array<{ source: string; destination: string }>): string | null {
  const config = mounts.find((m) => m.destination === '/config');
  if (/swag/i.test(image) && config) return `${config.source.replace(/\/$/, '')}/nginx/proxy-confs`;
  return mounts.find((m) => m.destination === '/etc/nginx/conf.d')?.source ?? null;
}

export class ProxyNotFound extends Error {}

/**
 * Which nginx checks and reloads the confs, and where they live on the host. Asked for: that one. Auto:
 * the running SWAG/nginx container that has the conf dir mounted (or, with no conf dir given, whose
 * mounts show one), else the host's nginx.
 */
export function chooseProxy(
  selection: ProxySelection,
  confDir: string | null,
  survey: ProxySurvey,
  mounts: Mounts,
): LocatedProxy {
  if (selection === 'host') {
    if (!survey.hostNginx) throw new ProxyNotFound('nginx is not installed on the host');
    return { mode: 'host', container: null, conf_dir: confDir ?? '/etc/nginx/conf.d' };
  }
  if (selection !== 'auto') {
    const image = survey.candidates.find((c) => c.name === selection.container)?.image ?? 'swag';
    const dir = confDir ?? confDirOf(image, mounts.get(selection.container) ?? []);
    if (dir === null)
      throw new ProxyNotFound(
        `container ${selection.container} has no /config or /etc/nginx/conf.d mount: give conf_dir`,
      );
    return { mode: 'container', container: selection.container, conf_dir: dir };
  }
  for (const candidate of survey.candidates) {
    const own = mounts.get(candidate.name) ?? [];
    if (confDir !== null && own.some((m) => within(confDir, m.source)))
      return { mode: 'container', container: candidate.name, conf_dir: confDir };
    const dir = confDir === null ? confDirOf(candidate.image, own) : null;
    if (dir !== null) return { mode: 'container', container: candidate.name, conf_dir: dir };
  }
  if (survey.hostNginx) return { mode: 'host', container: null, conf_dir: confDir ?? '/etc/nginx/conf.d' };
  throw new ProxyNotFound('no running SWAG/nginx container with the conf dir mounted, and no nginx on the host');
}

/** `nginx -t` or `nginx -s reload`, in the proxy's container or on the host (through sudo -n when that is allowed). */
export function nginxScript(proxy: LocatedProxy, args: readonly string[]): { command: string; script: string } {
  const quoted = args.map(shellQuote).join(' ');
  if (proxy.mode === 'container') {
    return {
      command: `docker exec ${proxy.container} nginx ${args.join(' ')}`,
      script: `docker exec ${shellQuote(proxy.container!)} nginx ${quoted} 2>&1`,
    };
  }
  return {
    command: `nginx ${args.join(' ')}`,
    script: `if [ "$(id -u)" != 0 ] && sudo -n true 2>/dev/null; then sudo -n nginx ${quoted} 2>&1; else nginx ${quoted} 2>&1; fi`,
  };
}

export function nginxRun(command: string, output: { stdout: string; exitCode: number | null }): NginxRun {
  return { command, ok: output.exitCode === 0, exit_code: output.exitCode, output: output.stdout.trimEnd() };
}

/** The status the proxy answers for a Host and path, asked from the device itself. */
export function answerCheckScript(url: string, host: string | null): string {
  const header = host === null ? '' : ` -H ${shellQuote(`Host: ${host}`)}`;
  return [
    'command -v curl >/dev/null 2>&1 || { echo @@no-curl; exit 0; }',
    `curl -sS -k -o /dev/null --max-time 15 -w '@@status %{http_code}\\n'${header} ${shellQuote(url)} 2>&1`,
    'echo "@@exit $?"',
  ].join('\n');
}

/**
 * Any HTTP status counts as answering (a login page, a redirect, even a 404 of the app) except the ones
 * the proxy gives when it cannot reach the upstream: 502, 503, 504.
 */
export function parseAnswerCheck(stdout: string): {
  checked: boolean;
  status: number | null;
  answering: boolean;
  detail: string;
} {
  if (stdout.includes('@@no-curl'))
    return {
      checked: false,
      status: null,
      answering: false,
      detail: 'not checked: curl is not installed on the device',
    };
  const status = Number(/@@status (\d{3})/.exec(stdout)?.[1] ?? '0');
  const other = stdout
    .split('\n')
    .filter((l) => !l.startsWith('@@'))
    .join(' ')
    .trim();
  if (status === 0)
    return {
      checked: true,
      status: null,
      answering: false,
      detail: `the proxy did not answer${other ? `: ${other}` : ''}`,
    };
  if (status === 502 || status === 503 || status === 504)
    return {
      checked: true,
      status,
      answering: false,
      detail: `the proxy answered ${status}: it cannot reach the upstream`,
    };
  return { checked: true, status, answering: true, detail: `answered ${status}` };
}

/** Every `*.conf` of the conf dir with its content (base64, so any byte survives), or its size when too big. */
export function listConfsScript(confDir: string): string {
  return [
    `d=${shellQuote(confDir)}`,
    '[ -d "$d" ] || { echo @@no-dir; exit 0; }',
    'for f in "$d"/*.conf; do',
    '  [ -f "$f" ] || continue',
    '  size=$(wc -c < "$f") || continue',
    `  if [ "$size" -gt ${PROXY_CONF_LIMIT_BYTES} ]; then printf '@@too-large %s %s\\n' "$size" "$f"; continue; fi`,
    `  printf '@@file %s\\n' "$f"`,
    '  base64 < "$f"',
    'done',
    'echo @@end',
  ].join('\n');
}

export function parseConfList(stdout: string): {
  dirExists: boolean;
  files: Array<{ path: string; content: string | null }>;
} {
  if (stdout.includes('@@no-dir')) return { dirExists: false, files: [] };
  const files: Array<{ path: string; chunks: string[] | null }> = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@@file ')) files.push({ path: line.slice(7), chunks: [] });
    else if (line.startsWith('@@too-large ')) files.push({ path: line.replace(/^@@too-large \d+ /, ''), chunks: null });
    else if (!line.startsWith('@@')) files.at(-1)?.chunks?.push(line);
  }
  return {
    dirExists: true,
    files: files.map((f) => ({
      path: f.path,
      content: f.chunks === null ? null : Buffer.from(f.chunks.join(''), 'base64').toString('utf8'),
    })),
  };
}
