import { isMap, isSeq, parseDocument, Scalar, type Document } from 'yaml';
import type { PortsData } from '../collectors/ports.ts';
import { parseCompose } from '../config/compose.ts';
import { CONFIG_FILE_LIMIT_BYTES } from '../config/file-read.ts';
import type { ComposeConfig, ComposeService } from '../config/parsed-config.ts';
import type { StackPatch } from '../../schema/stack.ts';
import { StackFileError } from './stack-commands.ts';

/**
 * Compose files of managed stacks: reading one safely (size, alias expansion, names and paths that
 * reach a shell or the file system), applying a structured patch while keeping comments and layout,
 * the host ports it asks for, and the shell lines that run compose on it. Pure.
 */

/**
 * Aliases a file may expand. YAML's own default (100) already stops a billion-laughs file; the limit is
 * spelled out because it is what stands between a pasted compose file and the worker's memory.
 */
export const MAX_ALIAS_COUNT = 100;

const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
/** The characters docker accepts in a container name. */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
/** `registry[:port]/path/name[:tag][@sha256:digest]`, docker's reference grammar restricted to its alphabet. */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/:-]{0,254}(@sha256:[0-9a-f]{64})?$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/;
const PORT_SPEC =
  /^(?:(?:\[[0-9a-fA-F:]+\]|[0-9.]+):)?(?:\d{1,5}(?:-\d{1,5})?:)?\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp|sctp))?$/;
const VOLUME_SPEC = /^[A-Za-z0-9._/~${}-]+:\/[A-Za-z0-9._/ -]*(?::[a-zA-Z,]+)?$/;

export interface ReadStackFile {
  doc: Document;
  config: ComposeConfig;
  /** Networks the file declares `external`: they must exist on the device before `up`. */
  externalNetworks: string[];
}

/** Parses a stack file and refuses what must not reach a device, with the reason. */
export function readStackFile(text: string): ReadStackFile {
  if (Buffer.byteLength(text, 'utf8') > CONFIG_FILE_LIMIT_BYTES)
    throw new StackFileError('too_large', `compose file larger than ${CONFIG_FILE_LIMIT_BYTES} bytes`);
  if (text.includes('\0')) throw new StackFileError('invalid_compose', 'compose file contains a NUL byte');
  const doc = parseDocument(text, { merge: true });
  if (doc.errors[0])
    throw new StackFileError('invalid_compose', `not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/excessive alias count/i.test(message)) {
      throw new StackFileError(
        'yaml_bomb',
        `compose file refused: its aliases expand more than ${MAX_ALIAS_COUNT} times (a YAML bomb)`,
      );
    }
    throw new StackFileError('invalid_compose', message);
  }
  const parsed = parseCompose(text);
  if (!parsed.ok) {
    const at = parsed.error.line === null ? '' : ` (line ${parsed.error.line})`;
    throw new StackFileError('invalid_compose', `${parsed.error.message}${at}`);
  }
  if (parsed.data.kind !== 'compose') throw new StackFileError('invalid_compose', 'not a compose file');
  if (parsed.data.services.length === 0)
    throw new StackFileError('invalid_compose', 'the compose file has no services');
  for (const service of parsed.data.services) checkService(service);
  return { doc, config: parsed.data, externalNetworks: externalNetworks(doc) };
}

/** `networks: {proxy: {external: true}}` → `proxy` (or the `name:` it gives). */
function externalNetworks(doc: Document): string[] {
  const networks: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })?.networks;
  if (typeof networks !== 'object' || networks === null) return [];
  return Object.entries(networks as Record<string, unknown>).flatMap(([key, definition]) => {
    const d = (definition ?? {}) as { external?: unknown; name?: unknown };
    if (d.external !== true && !(typeof d.external === 'object' && d.external !== null)) return [];
    return [typeof d.name === 'string' ? d.name : key];
  });
}

function checkService(service: ComposeService): void {
  const what = `service ${JSON.stringify(service.name.slice(0, 80))}`;
  if (!SERVICE_NAME.test(service.name))
    throw new StackFileError('unsafe_name', `${what}: names are letters, digits, dot, dash or underscore`);
  if (service.container_name !== null && !CONTAINER_NAME.test(service.container_name)) {
    throw new StackFileError(
      'unsafe_name',
      `${what}: container_name ${JSON.stringify(service.container_name.slice(0, 80))} is not a docker container name`,
    );
  }
  if (service.image === null && service.build === null)
    throw new StackFileError('invalid_compose', `${what} has neither image nor build`);
  if (service.image !== null && !IMAGE_REF.test(service.image))
    throw new StackFileError(
      'unsafe_name',
      `${what}: image ${JSON.stringify(service.image.slice(0, 200))} is not an image reference`,
    );
  const paths = [
    ...service.volumes.map((v) => v.split(':')[0] ?? ''),
    ...service.env_files,
    ...(service.build === null ? [] : [service.build]),
  ];
  for (const path of paths) {
    if (path.split('/').includes('..'))
      throw new StackFileError(
        'unsafe_path',
        `${what}: path ${JSON.stringify(path.slice(0, 200))} leaves the stack directory (..)`,
      );
  }
}

/** Applies a structured patch to the file's text, keeping comments and layout; the result is read again. */
export function applyStackPatch(text: string, patch: StackPatch): string {
  const { doc, config } = readStackFile(text);
  for (const [name, change] of Object.entries(patch.services)) {
    const service = config.services.find((s) => s.name === name);
    if (!service)
      throw new StackFileError('invalid_patch', `the stack has no service ${JSON.stringify(name.slice(0, 80))}`);
    const at = (...path: string[]) => ['services', name, ...path];
    if (change.image !== undefined) {
      if (!IMAGE_REF.test(change.image))
        throw new StackFileError(
          'unsafe_name',
          `image ${JSON.stringify(change.image.slice(0, 200))} is not an image reference`,
        );
      doc.setIn(at('image'), change.image);
    }
    if (change.tag !== undefined) {
      if (!IMAGE_TAG.test(change.tag))
        throw new StackFileError('unsafe_name', `tag ${JSON.stringify(change.tag.slice(0, 130))} is not a docker tag`);
      if (service.image === null) throw new StackFileError('invalid_patch', `service ${name} has no image to retag`);
      doc.setIn(at('image'), `${imageRepository(service.image)}:${change.tag}`);
    }
    if (change.ports !== undefined) {
      for (const port of change.ports)
        if (!PORT_SPEC.test(port))
          throw new StackFileError(
            'invalid_patch',
            `port ${JSON.stringify(port.slice(0, 80))}: expected [ip:][host:]container[/protocol]`,
          );
      // Quoted, as compose's documentation asks: `22:22` is a number in YAML 1.1 (base 60).
      doc.setIn(
        at('ports'),
        doc.createNode(change.ports.map((port) => Object.assign(new Scalar(port), { type: Scalar.QUOTE_DOUBLE }))),
      );
    }
    if (change.volumes !== undefined) {
      for (const volume of change.volumes) {
        if (!VOLUME_SPEC.test(volume))
          throw new StackFileError(
            'invalid_patch',
            `volume ${JSON.stringify(volume.slice(0, 200))}: expected source:/target[:mode]`,
          );
        if (volume.split(':')[0]!.split('/').includes('..'))
          throw new StackFileError(
            'unsafe_path',
            `volume ${JSON.stringify(volume.slice(0, 200))} leaves the stack directory (..)`,
          );
      }
      doc.setIn(at('volumes'), doc.createNode(change.volumes));
    }
    if (change.environment !== undefined)
      setEntries(doc, at('environment'), change.environment, ENV_KEY, 'environment variable');
    if (change.labels !== undefined) setEntries(doc, at('labels'), change.labels, LABEL_KEY, 'label');
  }
  // Flow lists stay as people write them (`[a, b]`, not `[ a, b ]`): the diff shows only the change.
  const next = doc.toString({ flowCollectionPadding: false });
  readStackFile(next);
  return next;
}

/** `nginx`, `ghcr.io/immich-app/immich-server`, `registry:5000/app` from a reference with tag and digest. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** Sets (string) or removes (null) keys of an environment or labels block, in its map or `KEY=value` list form. */
function setEntries(
  doc: Document,
  path: string[],
  entries: Record<string, string | null>,
  keyRule: RegExp,
  what: string,
): void {
  for (const [key, value] of Object.entries(entries)) {
    if (!keyRule.test(key))
      throw new StackFileError('invalid_patch', `${what} name ${JSON.stringify(key.slice(0, 130))} is not allowed`);
    if (value !== null && (value.includes('\0') || value.length > 8192))
      throw new StackFileError('invalid_patch', `${what} ${key}: value too long or with a NUL byte`);
  }
  const node = doc.getIn(path, true);
  if (isSeq(node)) {
    const items = (doc.getIn(path) as { toJSON(): unknown[] }).toJSON().map(String);
    const kept = items.filter((item) => !Object.hasOwn(entries, item.split('=')[0]!));
    const added = Object.entries(entries).flatMap(([key, value]) => (value === null ? [] : [`${key}=${value}`]));
    doc.setIn(path, doc.createNode([...kept, ...added]));
    return;
  }
  if (node !== undefined && node !== null && !isMap(node))
    throw new StackFileError('invalid_patch', `${path.join('.')} is neither a mapping nor a list`);
  for (const [key, value] of Object.entries(entries)) {
    if (value === null) doc.deleteIn([...path, key]);
    else doc.setIn([...path, key], value);
  }
}

// Types, not interfaces: a port conflict must fit the open (index-signed) zod type of a stack change's view.
export type RequestedPort = {
  service: string;
  host_ip: string | null;
  port: number;
  protocol: string;
};

/** Every host port the file publishes (ranges expanded); ports without a host side publish nothing. */
export function requestedHostPorts(config: ComposeConfig): RequestedPort[] {
  const requested: RequestedPort[] = [];
  for (const service of config.services) {
    for (const port of service.ports) {
      if (port.published === null) continue;
      const hostIp = /^(\[[0-9a-fA-F:]+\]|[0-9.]+):[^:]+:/.exec(port.spec)?.[1]?.replace(/^\[|\]$/g, '') ?? null;
      const [first, last = first] = port.published.split('-').map(Number);
      if (
        first === undefined ||
        last === undefined ||
        !Number.isInteger(first) ||
        !Number.isInteger(last) ||
        last < first ||
        last - first > 1000
      )
        continue;
      for (let p = first; p <= last; p++)
        requested.push({ service: service.name, host_ip: hostIp, port: p, protocol: port.protocol });
    }
  }
  return requested;
}

export type PortConflict = RequestedPort & {
  /** Who holds it: `process sshd (pid 812) on 0.0.0.0`, `container web-1 on ::`... */
  held_by: string;
};

const WILDCARDS = new Set(['0.0.0.0', '::', '*', '']);

/**
 * Requested host ports a listener already holds. Listeners published by the stack's own containers are
 * its own (an update keeps them); a wildcard address on either side overlaps every address.
 */
export function portConflicts(
  requested: readonly RequestedPort[],
  ports: PortsData,
  ownContainers: ReadonlySet<string>,
): PortConflict[] {
  const conflicts: PortConflict[] = [];
  for (const want of requested) {
    const holder = ports.ports.find((listener) => {
      if (listener.port !== want.port || listener.protocol !== want.protocol) return false;
      if (listener.container !== null && ownContainers.has(listener.container)) return false;
      const address = listener.address.replace(/%.*$/, '');
      return want.host_ip === null || WILDCARDS.has(want.host_ip) || WILDCARDS.has(address) || address === want.host_ip;
    });
    if (!holder) continue;
    const who = holder.container
      ? `container ${holder.container}`
      : holder.process
        ? `process ${holder.process} (pid ${holder.pid})`
        : 'a process the SSH user cannot see';
    conflicts.push({ ...want, held_by: `${who} on ${holder.address}` });
  }
  return conflicts;
}
