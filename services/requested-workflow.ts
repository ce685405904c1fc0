import { DEVICE_ATTRIBUTE, REQUESTER_ATTRIBUTE, TRIGGER_ATTRIBUTE } from '../workflows/search-attributes.ts';
import type { RequestContext } from './device-service.ts';

/**
 * What every workflow started on someone's request carries: device, requester and trigger to filter on
 * in the Web UI, and the request's correlation id in its memo to lead back to the log lines.
 */
export function requestedWorkflowTags(hostname: string, requestedBy: string, ctx: RequestContext) {
  return {
    typedSearchAttributes: [
      { key: DEVICE_ATTRIBUTE, value: hostname },
      { key: REQUESTER_ATTRIBUTE, value: requestedBy },
      { key: TRIGGER_ATTRIBUTE, value: ctx.trigger },
    ],
    memo: { correlation_id: ctx.correlationId },
  };
}
