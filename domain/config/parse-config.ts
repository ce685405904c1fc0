import { parseCompose } from './compose.ts';
import { parseNginx } from './nginx.ts';
import type { ConfigKind, ParsedConfig } from './parsed-config.ts';
import { parseSystemdUnit, unitTypeOf } from './systemd-unit.ts';

const SYSTEMD_DIRECTORIES = ['/etc/systemd/system/', '/lib/systemd/system/', '/usr/lib/systemd/system/'];

/** The names `docker compose` looks for, plus the variants people keep beside them (`compose.prod.yaml`, `docker-compose.override.yml`). */
const COMPOSE_FILE = /^(docker-)?compose[^/]*\.ya?ml$/i;

/** Debian/Ubuntu site files are named after the site without a `.conf` suffix (`sites-enabled/default`). */
const NGINX_SITE_DIRECTORY = /^\/etc\/nginx\/sites-(available|enabled)\//;

/** Which parser reads a watched file, by its path on the device. */
export function configKindOf(path: string): ConfigKind {
  if (SYSTEMD_DIRECTORIES.some((directory) => path.startsWith(directory)) && unitTypeOf(path) !== null)
    return 'systemd';
  if (COMPOSE_FILE.test(path.split('/').at(-1) ?? '')) return 'compose';
  // SWAG's `*.conf.sample` files end in `.sample` and are not watched.
  const nginxPlace = path.includes('/nginx/') || path.includes('proxy-confs') || path.includes('site-confs');
  if ((nginxPlace && path.endsWith('.conf')) || NGINX_SITE_DIRECTORY.test(path)) return 'nginx';
  return 'unknown';
}

export function parseConfig(path: string, text: string): ParsedConfig {
  switch (configKindOf(path)) {
    case 'compose':
      return parseCompose(text);
    case 'nginx':
      return parseNginx(text);
    case 'systemd':
      return parseSystemdUnit(text, path);
    case 'unknown':
      return { ok: true, data: { kind: 'unknown', lines: lineCount(text) } };
  }
}

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
