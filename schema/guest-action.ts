import { z } from 'zod';

/** Proxmox VE guest kinds: QEMU virtual machines (`qm`) and LXC containers (`pct`). */
export const GUEST_TYPES = ['qemu', 'lxc'] as const;

export const GUEST_ACTIONS = ['start', 'stop', 'shutdown', 'reboot', 'suspend', 'resume'] as const;
export type GuestAction = (typeof GUEST_ACTIONS)[number];
/** `pct suspend`/`resume` rely on CRIU and are marked experimental by Proxmox: offered for VMs only. */
export const QEMU_ONLY_GUEST_ACTIONS: readonly GuestAction[] = ['suspend', 'resume'];

/** PVE's own VMID range (pve-vmid: 100 to 999999999); lower ids are reserved. */
export const Vmid = z.number().int().min(100, 'vmid: 100 to 999999999').max(999_999_999, 'vmid: 100 to 999999999');
/** A VMID in a URL path: digits only, so `1e3` or ` 101` never pass for a number. */
export const VmidParam = z
  .string()
  .regex(/^\d{1,9}$/, 'vmid: 100 to 999999999')
  .transform(Number)
  .pipe(Vmid);

/** What the API, MCP and CLI ask for; the guest's type comes from the device's guest list. */
export const GuestActionRequest = z
  .object({
    vmid: Vmid,
    action: z.enum(GUEST_ACTIONS),
  })
  .strict();
export type GuestActionRequest = z.infer<typeof GuestActionRequest>;

/** A request resolved against the device: what the command is built from. */
/** `sudo`: qm and pct need root; a non-root SSH user runs them through `sudo -n` when the collector found it allowed. */
export const GuestActionTarget = GuestActionRequest.extend({
  type: z.enum(GUEST_TYPES),
  sudo: z.boolean().default(false),
});
export type GuestActionTarget = z.input<typeof GuestActionTarget>;
