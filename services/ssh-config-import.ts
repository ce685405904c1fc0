/**
 * Reads an OpenSSH client config (ssh_config(5)) into device definitions. Only concrete Host entries
 * become devices: patterns with `*`, `?` or `!` are skipped, as are Match blocks.
 */
export interface ImportedHost {
  hostname: string;
  address: string;
  port: number;
  username?: string;
  identity_file?: string;
}

export interface SshConfigImport {
  hosts: ImportedHost[];
  skipped: Array<{ host: string; reason: string }>;
}

export function parseSshConfig(text: string): SshConfigImport {
  const hosts: ImportedHost[] = [];
  const skipped: SshConfigImport['skipped'] = [];
  let current: { names: string[]; options: Map<string, string> } | null = null;
  let inMatch = false;

  const flush = () => {
    if (!current) return;
    for (const name of current.names) {
      if (/[*?!]/.test(name)) {
        skipped.push({ host: name, reason: 'wildcard or negated pattern' });
        continue;
      }
      const portText = current.options.get('port');
      const port = portText === undefined ? 22 : Number(portText);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        skipped.push({ host: name, reason: `invalid Port ${portText}` });
        continue;
      }
      const address = (current.options.get('hostname') ?? name).replace(/%h/g, name);
      hosts.push({
        hostname: name,
        address,
        port,
        username: current.options.get('user'),
        identity_file: current.options.get('identityfile'),
      });
    }
    current = null;
  };

  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const keyword = m[1]!.toLowerCase();
    const value = unquote(m[2]!.trim());
    if (keyword === 'host') {
      flush();
      inMatch = false;
      current = { names: splitArgs(m[2]!), options: new Map() };
    } else if (keyword === 'match') {
      flush();
      inMatch = true;
    } else if (current && !inMatch && !current.options.has(keyword)) {
      // ssh uses the first value given for a keyword.
      current.options.set(keyword, value);
    }
  }
  flush();
  return { hosts, skipped };
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

function splitArgs(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).filter(Boolean);
}
