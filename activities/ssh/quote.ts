/**
 * POSIX single-quoting: the only way a string from a user, a device or a file reaches a shell.
 * NUL cannot be carried by any shell argument, so it is refused rather than silently cut.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('shell argument contains a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Builds `sh -c '<script>'` so device login shells (fish, zsh, busybox) all run our POSIX scripts the same way. */
export function posixShellCommand(script: string): string {
  return `sh -c ${shellQuote(script)}`;
}
