export { collectWorkflow } from './collect.ts';
export { operationWorkflow } from './operation.ts';
export { retentionWorkflow } from './retention.ts';
export { configWatchWorkflow } from './config-watch.ts';
