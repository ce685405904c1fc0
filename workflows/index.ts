export { collectWorkflow } from './collect.ts';
