import { z } from 'zod';
import { ContainerName } from './container-action.ts';

/** Entering maintenance: which critical containers to stop anyway, which others to leave running. */
export const MaintenanceRequest = z
  .object({
    enable: z.boolean(),
    include: z.array(ContainerName).max(200).default([]),
    keep: z.array(ContainerName).max(200).default([]),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
export type MaintenanceRequest = z.infer<typeof MaintenanceRequest>;
