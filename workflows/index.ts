export { collectWorkflow } from './collect.ts';
export { operationWorkflow } from './operation.ts';
export { retentionWorkflow } from './retention.ts';
export { configWatchWorkflow } from './config-watch.ts';
export { maintenanceWorkflow } from './maintenance.ts';
export { serviceRestartWorkflow } from './service-restart.ts';
export { diskIncidentWorkflow } from './disk-incident.ts';
export { diagnoseWorkflow } from './diagnose.ts';
export { alertDeliveryWorkflow, heldNoticeWorkflow } from './alert-delivery.ts';
