// Types of server-build.mjs, for the TypeScript that imports it (the test harness).
export const BUILD_DIR: string;
export const WORKFLOW_BUNDLE: string;
export function ensureServerBuild(): boolean;
