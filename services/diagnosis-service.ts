import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DiagnosisFocus } from '../domain/insights/diagnosis.ts';
import type { DiagnoseInput, DiagnoseResult, diagnoseWorkflow } from '../workflows/diagnose.ts';
import { DEVICE_ATTRIBUTE, TRIGGER_ATTRIBUTE } from '../workflows/search-attributes.ts';
import type { DeviceService, RequestContext } from './device-service.ts';
import { ServiceError } from './service-error.ts';

/** Diagnosis of one device or the whole fleet, as a workflow people can find in the Web UI. */
export class DiagnosisService {
  constructor(
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly instance: string,
  ) {}

  async diagnose(
    hostname: string | null,
    focus: DiagnosisFocus,
    ctx: RequestContext,
  ): Promise<DiagnoseResult & { workflow_id: string }> {
    let hostnames: string[];
    if (hostname) hostnames = [(await this.devices.require(hostname)).hostname];
    else hostnames = (await this.devices.list()).filter((d) => d.monitoring_enabled).map((d) => d.hostname);
    if (hostnames.length === 0) throw new ServiceError('no_devices', 409, 'no monitored devices to diagnose');
    const input: DiagnoseInput = { hostnames, focus, trigger: ctx.trigger, correlationId: ctx.correlationId };
    const workflowId = `${this.instance}-diagnose-${hostname ?? 'fleet'}-${randomUUID()}`;
    const result = await this.client.workflow.execute<typeof diagnoseWorkflow>('diagnoseWorkflow', {
      workflowId,
      taskQueue: this.instance,
      args: [input],
      typedSearchAttributes: [
        { key: DEVICE_ATTRIBUTE, value: hostname ?? 'fleet' },
        { key: TRIGGER_ATTRIBUTE, value: ctx.trigger },
      ],
      memo: { correlation_id: ctx.correlationId },
    });
    // The one device asked for was removed while it was being diagnosed.
    if (hostname && result.reports.length === 0)
      throw new ServiceError('not_found', 404, `device ${hostname} not found`);
    return { ...result, workflow_id: workflowId };
  }
}
