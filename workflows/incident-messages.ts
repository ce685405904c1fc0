import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { IncidentView } from '../schema/incident.ts';

export const incidentQuery = defineQuery<IncidentView>('incident');
/** A person says the disk was swapped (and, for a pool, started `zpool replace`); the runbook follows the rebuild. */
export const replacedUpdate = defineUpdate<IncidentView, [{ by: string; note: string | null }]>('replaced');
