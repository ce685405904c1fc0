/**
 * POSIX single-quoting: the only way a string from a user, a device or a file reaches a shell.
 * NUL cannot be carried by any shell argument, so it is refused rather than silently cut.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('shell argument contains a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Non-interactive SSH sessions often get a short PATH that misses where appliances keep their tools
 * (docker in /usr/local/bin on Synology, smartctl in /usr/sbin, snaps in /snap/bin); ours look there too,
 * after the device's own PATH.
 */
const DEVICE_PATH_SUFFIX = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin';

/** Builds `sh -c '<script>'` so device login shells (fish, zsh, busybox) all run our POSIX scripts the same way. */
export function posixShellCommand(script: string): string {
  return `sh -c ${shellQuote(`PATH="$PATH:${DEVICE_PATH_SUFFIX}"; export PATH\n${script}`)}`;
}
