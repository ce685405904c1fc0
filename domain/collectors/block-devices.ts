// Apart from the disk-io collector (and its zod schema), so that insights a workflow runs do not load zod.

/** Stacked devices (device mapper, md RAID) repeat the I/O of the disks below them; totals count the disks. */
export function isStackedDevice(name: string): boolean {
  return /^(dm-|md)\d+$/.test(name);
}
