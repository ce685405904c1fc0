/** The kinds of device the system knows (their protected paths and containers differ). Without zod: the web console bundles it. */
export const DEVICE_TYPES = [
  'linux',
  'unraid',
  'proxmox',
  'truenas',
  'synology',
  'raspberry_pi',
  'wsl',
  'other',
] as const;
