import type { NginxConfig, NginxServer, ParsedConfig } from './parsed-config.ts';

/**
 * nginx configuration (a full nginx.conf, a /etc/nginx site, or a SWAG proxy-conf) as server blocks
 * with their names, listeners, locations and proxy targets. The tokenizer follows nginx's own
 * (ngx_conf_read_token): a word ends at whitespace, `;` or `{` (but `${` continues a variable), `#` and
 * quotes are only special at the start of a word, and `\"`, `\'`, `\\`, `\t`, `\r`, `\n` are unescaped.
 * Included files are not followed: an include is recorded as its path.
 */

interface Directive {
  name: string;
  args: string[];
  line: number;
  column: number;
  /** Contents of `{ ... }`, or null for a directive ended by `;`. */
  block: Directive[] | null;
}

type Token = { type: 'word' | ';' | '{' | '}'; text: string; line: number; column: number };

class NginxSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, at: { line: number; column: number }) {
    super(message);
    this.line = at.line;
    this.column = at.column;
  }
}

/**
 * Argument counts and block-ness, as nginx declares them, of the directives read below. A missing `;`
 * merges the next line into the directive, which nginx refuses ("invalid number of arguments"); without
 * these checks that file would silently parse into wrong values.
 */
const SIGNATURES: Record<string, { min: number; max: number; block: boolean }> = {
  include: { min: 1, max: 1, block: false },
  proxy_pass: { min: 1, max: 1, block: false },
  set: { min: 2, max: 2, block: false },
  auth_request: { min: 1, max: 1, block: false },
  auth_basic: { min: 1, max: 1, block: false },
  ssl_certificate: { min: 1, max: 1, block: false },
  listen: { min: 1, max: Infinity, block: false },
  server_name: { min: 1, max: Infinity, block: false },
  location: { min: 1, max: 2, block: true },
  upstream: { min: 1, max: 1, block: true },
};

/** SWAG's authentication snippets (`authelia-server.conf`, `authentik-location.conf`, `ldap-location.conf`...). */
const AUTH_SNIPPET = /(authelia|authentik|ldap)[^/]*$/i;

export function parseNginx(text: string): ParsedConfig {
  try {
    return { ok: true, data: interpret(parse(tokenize(text))) };
  } catch (error) {
    if (!(error instanceof NginxSyntaxError)) throw error;
    return { ok: false, kind: 'nginx', error: { message: error.message, line: error.line, column: error.column } };
  }
}

const ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', t: '\t', r: '\r', n: '\n' };

function unescape(raw: string): string {
  return raw.replace(/\\(["'\\trn])/g, (_match, char: string) => ESCAPES[char] ?? char);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let column = 1;
  const advance = (): void => {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
    i++;
  };
  const isSpace = (char: string | undefined): boolean => char !== undefined && /\s/.test(char);

  while (i < text.length) {
    const char = text[i];
    if (isSpace(char)) {
      advance();
      continue;
    }
    const start = { line, column };
    if (char === '#') {
      while (i < text.length && text[i] !== '\n') advance();
    } else if (char === ';' || char === '{' || char === '}') {
      tokens.push({ type: char, text: char, ...start });
      advance();
    } else if (char === '"' || char === "'") {
      advance();
      const from = i;
      while (i < text.length && text[i] !== char) {
        if (text[i] === '\\') advance();
        advance();
      }
      if (i >= text.length)
        throw new NginxSyntaxError(`unterminated ${char === '"' ? 'double' : 'single'}-quoted string`, start);
      tokens.push({ type: 'word', text: unescape(text.slice(from, i)), ...start });
      advance();
      // nginx wants a separator right after a closing quote (`)` closes an `if` condition).
      const next = text[i];
      if (next !== undefined && !isSpace(next) && next !== ';' && next !== '{' && next !== ')') {
        throw new NginxSyntaxError(`unexpected "${next}" after a quoted string`, { line, column });
      }
    } else {
      const from = i;
      while (i < text.length) {
        const current = text[i];
        if (isSpace(current) || current === ';' || (current === '{' && text[i - 1] !== '$')) break;
        if (current === '\\') advance();
        advance();
      }
      tokens.push({ type: 'word', text: unescape(text.slice(from, i)), ...start });
    }
  }
  return tokens;
}

function parse(tokens: Token[]): Directive[] {
  const root: Directive[] = [];
  const open: Directive[] = [];
  let words: Token[] = [];

  const emit = (token: Token, block: Directive[] | null): Directive => {
    const [name, ...rest] = words;
    if (name === undefined) throw new NginxSyntaxError(`unexpected "${token.text}"`, token);
    const directive: Directive = {
      name: name.text,
      args: rest.map((word) => word.text),
      line: name.line,
      column: name.column,
      block,
    };
    checkSignature(directive);
    (open.at(-1)?.block ?? root).push(directive);
    words = [];
    return directive;
  };

  for (const token of tokens) {
    if (token.type === 'word') {
      words.push(token);
    } else if (token.type === ';') {
      emit(token, null);
    } else if (token.type === '{') {
      open.push(emit(token, []));
    } else {
      const [pending] = words;
      if (pending) throw new NginxSyntaxError(`directive "${pending.text}" is not terminated by ";"`, pending);
      if (!open.pop()) throw new NginxSyntaxError('unexpected "}"', token);
    }
  }
  const [pending] = words;
  if (pending) throw new NginxSyntaxError(`directive "${pending.text}" is not terminated by ";"`, pending);
  const unclosed = open.at(-1);
  if (unclosed) throw new NginxSyntaxError(`"${unclosed.name}" block is not closed: missing "}"`, unclosed);
  return root;
}

function checkSignature(directive: Directive): void {
  // `server` is a block in http and a `server address;` line in upstream; only the block is read.
  const signature = SIGNATURES[directive.name];
  if (!signature) return;
  if (signature.block && directive.block === null)
    throw new NginxSyntaxError(`directive "${directive.name}" has no opening "{"`, directive);
  if (!signature.block && directive.block !== null)
    throw new NginxSyntaxError(`directive "${directive.name}" is not terminated by ";"`, directive);
  const count = directive.args.length;
  if (count < signature.min || count > signature.max) {
    throw new NginxSyntaxError(`invalid number of arguments in "${directive.name}" directive`, directive);
  }
}

function interpret(root: Directive[]): NginxConfig {
  const config: NginxConfig = { kind: 'nginx', servers: [], upstream_blocks: {}, includes: [] };
  const looseLocations: Directive[] = [];
  const walk = (block: Directive[]): void => {
    for (const directive of block) {
      if (directive.name === 'server' && directive.block) {
        config.servers.push(server(directive.block));
      } else if (directive.name === 'upstream' && directive.block) {
        config.upstream_blocks[directive.args[0] ?? ''] = directive.block
          .filter((entry) => entry.name === 'server')
          .map((entry) => entry.args.join(' '));
      } else if (directive.name === 'location' && directive.block) {
        looseLocations.push(directive);
      } else if (directive.name === 'include') {
        config.includes.push(directive.args[0] ?? '');
      } else if (directive.block) {
        walk(directive.block);
      }
    }
  };
  walk(root);
  // A file of bare locations (SWAG's *.subfolder.conf) is included into a server block elsewhere; its
  // locations are reported as one server without names or listeners, standing for that server.
  if (looseLocations.length > 0) config.servers.push(server(looseLocations));
  return config;
}

type Variables = ReadonlyMap<string, string>;

/** `$name` and `${name}` replaced by the values `set` gives them; nginx's own variables stay as written. */
function substitute(value: string, variables: Variables): string {
  return value.replace(/\$(?:\{(\w+)\}|(\w+))/g, (written, braced: string | undefined, bare: string | undefined) => {
    return variables.get(braced ?? bare ?? '') ?? written;
  });
}

/**
 * The variables visible in a block: the enclosing block's, then this block's own `set`s in order. The
 * rewrite phase runs every `set` of a block before the request is proxied, so the last one wins
 * wherever proxy_pass is written; `set`s in a nested `if` or location do not reach their parent.
 */
function scope(block: Directive[], outer: Variables): Variables {
  const variables = new Map(outer);
  for (const directive of block) {
    const [name, value] = directive.args;
    if (directive.name === 'set' && name?.startsWith('$') && value !== undefined) {
      variables.set(name.slice(1), substitute(value, variables));
    }
  }
  return variables;
}

function server(block: Directive[]): NginxServer {
  const result: NginxServer = {
    server_names: [],
    listen: [],
    ssl: false,
    locations: [],
    upstreams: [],
    auth: [],
    includes: [],
  };
  const addOnce = (list: string[], value: string): void => {
    if (!list.includes(value)) list.push(value);
  };
  const visit = (directives: Directive[], outer: Variables): void => {
    const variables = scope(directives, outer);
    for (const directive of directives) {
      const [first = ''] = directive.args;
      switch (directive.name) {
        case 'server_name':
          result.server_names.push(...directive.args);
          break;
        case 'listen':
          result.listen.push(directive.args.join(' '));
          if (directive.args.includes('ssl')) result.ssl = true;
          break;
        case 'ssl_certificate':
          result.ssl = true;
          break;
        case 'ssl':
          // The pre-1.15 `ssl on;` form.
          if (first === 'on') result.ssl = true;
          break;
        case 'include':
          addOnce(result.includes, first);
          // SWAG's ssl.conf carries the certificate directives.
          if (first.split('/').at(-1) === 'ssl.conf') result.ssl = true;
          if (AUTH_SNIPPET.test(first)) addOnce(result.auth, `include ${first}`);
          break;
        case 'auth_basic':
        case 'auth_request':
          if (first !== 'off') addOnce(result.auth, `${directive.name} ${first}`);
          break;
        case 'proxy_pass':
          result.upstreams.push(substitute(first, variables));
          break;
      }
      if (!directive.block) continue;
      if (directive.name === 'location') {
        const blockVariables = scope(directive.block, variables);
        const pass = directive.block.find((entry) => entry.name === 'proxy_pass')?.args[0];
        result.locations.push({
          path: directive.args.join(' '),
          proxy_pass: pass === undefined ? null : substitute(pass, blockVariables),
        });
      }
      visit(directive.block, variables);
    }
  };
  visit(block, new Map());
  return result;
}
