/**
 * Secrets in stored configuration files (env files, compose `environment:`, systemd `Environment=`,
 * credentials in URLs) are hidden when a version or a diff is served: the history keeps the bytes (a
 * rollback writes them back), but a reader sees `«redacted»`, and where a secret changed between two
 * versions, that it changed — never the old or the new value. Pure code: line rules, no parsing, so
 * a file that does not parse is redacted too.
 */

export const REDACTED = '«redacted»';
export const REDACTED_CHANGED = '«redacted: value changed»';

/** Names whose values are secrets; `_FILE` names point at a secret file and stay visible. */
const SECRET_NAME =
  /(?:PASS(?:WORD|WD|PHRASE)?|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|(?:^|_)KEY$|CREDENTIALS?|SALT|DSN|AUTH_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|WEBHOOK(?:_URL)?|LICENSE_?KEY|COOKIE)/i;

export function isSecretName(name: string): boolean {
  return !/_FILE$/i.test(name) && SECRET_NAME.test(name);
}

/** A value that only refers to another variable (`${DB_PASSWORD}`, `$TOKEN`) reveals nothing. */
function isReference(value: string): boolean {
  return /^["']?\$\{?[A-Za-z_][A-Za-z0-9_]*(?::?[-?][^}]*)?\}?["']?$/.test(value.trim());
}

/** `NAME=value` (env files, compose list form, inside systemd `Environment=`), `NAME: value` (compose map form). */
const ASSIGNMENT = /^(\s*(?:-\s+)?(?:export\s+)?["']?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*[=:]\s*)(.*)$/;
/** `scheme://user:password@host`: the password goes, the rest stays readable. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:)([^\s@'"]+)(@)/gi;

export interface Redacted {
  text: string;
  /** How many values were hidden. */
  count: number;
}

/** Secret values by name (and URL credentials by position), to tell a changed secret from an unchanged one. */
function secretValues(content: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of content.split('\n')) {
    for (const [name, value] of assignmentsIn(line))
      if (isSecretName(name) && !isReference(value)) values.set(name, value);
  }
  return values;
}

/** Every NAME=value of a line: one for most lines, several in a systemd `Environment=` line. */
function assignmentsIn(line: string): Array<[string, string]> {
  const systemd = /^\s*Environment\s*=\s*(.*)$/.exec(line);
  if (systemd) {
    return [
      ...systemd[1]!.matchAll(/"([A-Za-z_][A-Za-z0-9_]*)=((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g),
    ].map((m) => [m[1] ?? m[3]!, m[2] ?? m[4]!]);
  }
  const m = ASSIGNMENT.exec(line);
  return m ? [[m[2]!, stripQuotesAndComment(m[4]!)]] : [];
}

function stripQuotesAndComment(value: string): string {
  const v = value.trim();
  if (/^".*"$|^'.*'$/.test(v)) return v.slice(1, -1);
  return v.replace(/\s+#.*$/, '');
}

/**
 * Hides secret values in one version's text. With `previous` (the version before it), a secret whose
 * value differs from the previous one's, or is new, reads `«redacted: value changed»`.
 */
export function redactSecrets(content: string, previous?: string | null): Redacted {
  const before = previous == null ? null : secretValues(previous);
  let count = 0;
  const marker = (name: string, value: string) => {
    count++;
    return before && before.get(name) !== value ? REDACTED_CHANGED : REDACTED;
  };
  const text = content
    .split('\n')
    .map((line) => {
      const systemd = /^(\s*Environment\s*=\s*)(.*)$/.exec(line);
      if (systemd) {
        const body = systemd[2]!.replace(
          /"([A-Za-z_][A-Za-z0-9_]*)=((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g,
          (whole, qName?: string, qValue?: string, name?: string, value?: string) => {
            const n = qName ?? name!;
            const v = qValue ?? value!;
            if (!isSecretName(n) || isReference(v) || v === '') return whole;
            return qName !== undefined ? `"${n}=${marker(n, v)}"` : `${n}=${marker(n, v)}`;
          },
        );
        return `${systemd[1]}${body}`;
      }
      const m = ASSIGNMENT.exec(line);
      if (m && isSecretName(m[2]!)) {
        const value = stripQuotesAndComment(m[4]!);
        if (value !== '' && !isReference(value) && !/^[|>]-?$/.test(value))
          return `${m[1]}${m[2]}${m[3]}${marker(m[2]!, value)}`;
      }
      return line.replace(URL_CREDENTIALS, (_whole, head: string, _password: string, at: string) => {
        count++;
        return `${head}${REDACTED}${at}`;
      });
    })
    .join('\n');
  return { text, count };
}

/**
 * Hides secret values in a unified diff: each added or removed line is redacted on its own, and an
 * added line whose secret also appears among the removed lines with another value says it changed.
 */
export function redactDiff(diff: string): Redacted {
  const lines = diff.split('\n');
  const isBody = (line: string) => /^[-+ ]/.test(line) && !/^(?:---|\+\+\+) /.test(line);
  const removed = lines
    .filter((l) => isBody(l) && l.startsWith('-'))
    .map((l) => l.slice(1))
    .join('\n');
  let count = 0;
  const text = lines
    .map((line) => {
      if (!isBody(line)) return line;
      const r = redactSecrets(line.slice(1), line.startsWith('+') ? removed : null);
      count += r.count;
      return `${line[0]}${r.text}`;
    })
    .join('\n');
  return { text, count };
}
