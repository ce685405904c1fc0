import { shellQuote } from '../ssh/quote.ts';

/**
 * Names, paths and compose command lines of managed stacks. Pure and free of the YAML library, so
 * workflows may import it.
 */

export type StackFileErrorCode =
  'invalid_compose' | 'yaml_bomb' | 'unsafe_name' | 'unsafe_path' | 'invalid_patch' | 'too_large';

/** Input that must not reach the device: nothing has been written when it is thrown. */
export class StackFileError extends Error {
  constructor(
    readonly code: StackFileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StackFileError';
  }
}

/** Compose's own rule for project names; it also keeps them safe in paths, workflow ids and shells. */
export const STACK_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export function checkStackName(name: string): void {
  if (!STACK_NAME.test(name)) {
    throw new StackFileError(
      'unsafe_name',
      `stack name ${JSON.stringify(name.slice(0, 80))}: 1-63 lowercase letters, digits, dash or underscore, starting with a letter or digit`,
    );
  }
}

/** An absolute path without `..`, of characters that need no quoting anywhere (quoted all the same). */
export function checkStackPath(path: string, what: string): void {
  if (!/^\/[A-Za-z0-9._/-]{0,4095}$/.test(path) || path.split('/').includes('..')) {
    throw new StackFileError(
      'unsafe_path',
      `${what} ${JSON.stringify(path.slice(0, 200))}: an absolute path of letters, digits, dot, dash, underscore and slash, without ..`,
    );
  }
}

export interface StackLocation {
  project: string;
  dir: string;
  /** Every compose file of the project, the one stacks are written to first. */
  files: string[];
}

/** Where a new stack goes: `<stacks dir>/<name>/compose.yaml`. */
export function newStackLocation(stacksDir: string, name: string): StackLocation {
  checkStackName(name);
  checkStackPath(stacksDir, 'stacks directory');
  const dir = `${stacksDir.replace(/\/+$/, '')}/${name}`;
  return { project: name, dir, files: [`${dir}/compose.yaml`] };
}

const STAGED_FILE = '.infra-next.compose.yaml';
const PINNED_FILE = '.infra-pinned-images.yaml';
const TRANSIENT_FILES: ReadonlySet<string> = new Set([STAGED_FILE, PINNED_FILE]);
/** The staged next version, written beside the file and renamed over it once the change may go ahead. */
export const stagedPath = (location: StackLocation): string => `${location.dir}/${STAGED_FILE}`;
/** The override that pins images to their previous digests while a failed update is undone. */
export const pinnedPath = (location: StackLocation): string => `${location.dir}/${PINNED_FILE}`;

/** `docker compose -p P -f F... ARGS`, every word quoted; run from the stack's directory. */
export function composeInvocation(
  location: StackLocation,
  args: readonly string[],
  files: readonly string[] = location.files,
): string {
  return [
    'docker compose',
    `-p ${shellQuote(location.project)}`,
    ...files.map((f) => `-f ${shellQuote(f)}`),
    ...args.map(shellQuote),
  ].join(' ');
}

/** `cd DIR && docker compose ...`. */
export function composeCommand(
  location: StackLocation,
  args: readonly string[],
  files: readonly string[] = location.files,
): string {
  return `cd ${shellQuote(location.dir)} && ${composeInvocation(location, args, files)}`;
}

export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';
export const WORKING_DIR_LABEL = 'com.docker.compose.project.working_dir';
export const CONFIG_FILES_LABEL = 'com.docker.compose.project.config_files';
/** The image id compose started the container from. */
export const IMAGE_LABEL = 'com.docker.compose.image';

/**
 * Where a running project lives, from the labels compose puts on its containers; a directory or file
 * that is not a plain absolute path is refused (it would reach a shell).
 */
export function locationFromLabels(project: string, labels: Readonly<Record<string, string>>): StackLocation | null {
  const dir = labels[WORKING_DIR_LABEL];
  // A revert runs compose with a temporary pin override, which compose then names among the files: not the stack's.
  const files = (labels[CONFIG_FILES_LABEL] ?? '')
    .split(',')
    .filter((f) => f !== '' && !TRANSIENT_FILES.has(f.slice(f.lastIndexOf('/') + 1)));
  if (!dir || files.length === 0) return null;
  checkStackPath(dir, 'stack directory');
  for (const file of files) checkStackPath(file, 'compose file');
  return { project, dir, files };
}
