import { DEVICE_ATTRIBUTE, REQUESTER_ATTRIBUTE, TRIGGER_ATTRIBUTE } from '../workflows/search-attributes.ts';
import type { RequestContext } from './device-service.ts';

/**
 * What every workflow started on someone's request carries: device, requester (its principal id) and
 * trigger to filter on in the Web UI; in its memo the requester's name, whom it said it acts for, and
 * the request's correlation id to lead back to the log lines.
 */
export function requestedWorkflowTags(hostname: string, ctx: RequestContext) {
  return {
    typedSearchAttributes: [
      { key: DEVICE_ATTRIBUTE, value: hostname },
      { key: REQUESTER_ATTRIBUTE, value: ctx.principal.id },
      { key: TRIGGER_ATTRIBUTE, value: ctx.trigger },
    ],
    memo: { correlation_id: ctx.correlationId, requested_by: ctx.principal.name, on_behalf_of: ctx.onBehalfOf },
  };
}
