import { shellQuote } from '../ssh/quote.ts';
import type { ConfigKind } from './parsed-config.ts';

/**
 * Shell for putting a stored version back on a device and checking it. The content arrives on stdin
 * (a config can be larger than a command line may be); it is written to a temporary file beside the
 * target, given the target's mode (and owner, as root), and renamed over it, so readers see the old file
 * or the new one, never half of one.
 */
export function writeFileScript(path: string): string {
  return [
    `f=${shellQuote(path)}`,
    'tmp="$(dirname "$f")/.infra-rollback.$$"',
    'cat > "$tmp" || { rm -f "$tmp"; exit 3; }',
    'if [ -e "$f" ]; then',
    '  chmod "$(stat -c %a "$f")" "$tmp" || { rm -f "$tmp"; exit 3; }',
    '  if [ "$(id -u)" = 0 ]; then chown "$(stat -c %u:%g "$f")" "$tmp"; fi',
    'fi',
    'mv -f "$tmp" "$f" || { rm -f "$tmp"; exit 3; }',
    'sha256sum < "$f"',
  ].join('\n');
}

/** Restoring "the file did not exist". */
export function removeFileScript(path: string): string {
  return `rm -f -- ${shellQuote(path)}`;
}

/**
 * The check that tells whether a file is still good, for its kind: `nginx -t` (inside the SWAG or nginx
 * container when the file belongs to one, else on the host), `docker compose config`, `systemd-analyze
 * verify`. Prints `@@check <command>` first, or `@@no-check <why>` when the device has no way to check.
 */
export function healthCheckScript(kind: ConfigKind, path: string): string {
  const file = shellQuote(path);
  switch (kind) {
    case 'nginx':
      return [
        'container=""',
        'if command -v docker >/dev/null 2>&1; then',
        `  container=$(docker ps --format '{{.Names}} {{.Image}}' 2>/dev/null | awk '$2 ~ /linuxserver\\/swag|(^|\\/)swag(:|$)/ { print $1; exit }')`,
        `  case ${file} in */swag/*|*/proxy-confs/*|*/site-confs/*) ;; *) [ -n "$container" ] || container=$(docker ps --format '{{.Names}} {{.Image}}' 2>/dev/null | awk '$2 ~ /(^|\\/)nginx(:|$)/ { print $1; exit }') ;; esac`,
        'fi',
        'if [ -n "$container" ]; then echo "@@check docker exec $container nginx -t"; docker exec "$container" nginx -t 2>&1',
        'elif command -v nginx >/dev/null 2>&1; then echo "@@check nginx -t"; nginx -t 2>&1',
        'else echo "@@no-check neither nginx nor a SWAG/nginx container found"; fi',
      ].join('\n');
    case 'compose':
      return [
        `if docker compose version >/dev/null 2>&1; then echo "@@check docker compose config --quiet"; docker compose -f ${file} config --quiet 2>&1`,
        `elif command -v docker-compose >/dev/null 2>&1; then echo "@@check docker-compose config -q"; docker-compose -f ${file} config -q 2>&1`,
        'else echo "@@no-check docker compose is not installed"; fi',
      ].join('\n');
    case 'systemd':
      return [
        `if command -v systemd-analyze >/dev/null 2>&1; then echo "@@check systemd-analyze verify"; systemd-analyze verify ${file} 2>&1`,
        'else echo "@@no-check systemd-analyze is not installed"; fi',
      ].join('\n');
    case 'unknown':
      return 'echo "@@no-check no check is known for this kind of file"';
  }
}

export interface HealthCheck {
  /** False only when a check ran and failed. */
  ok: boolean;
  command: string | null;
  exit_code: number | null;
  output: string;
  note: string | null;
  duration_ms: number;
  output_truncated: boolean;
}

export function parseHealthCheck(output: {
  stdout: string;
  exitCode: number | null;
  durationMs: number;
  stdoutTruncated: boolean;
}): HealthCheck {
  const duration_ms = Math.round(output.durationMs);
  const output_truncated = output.stdoutTruncated;
  const [first = '', ...rest] = output.stdout.split('\n');
  const text = rest.join('\n').trimEnd();
  const noCheck = /^@@no-check (.*)$/.exec(first);
  if (noCheck)
    return {
      ok: true,
      command: null,
      exit_code: null,
      output: '',
      note: `not checked: ${noCheck[1]}`,
      duration_ms,
      output_truncated,
    };
  const check = /^@@check (.*)$/.exec(first);
  if (!check)
    return {
      ok: false,
      command: null,
      exit_code: output.exitCode,
      output: output.stdout.trimEnd(),
      note: 'the check did not start',
      duration_ms,
      output_truncated,
    };
  return {
    ok: output.exitCode === 0,
    command: check[1] ?? null,
    exit_code: output.exitCode,
    output: text,
    note: null,
    duration_ms,
    output_truncated,
  };
}
