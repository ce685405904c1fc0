import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './project-root.ts';

/** Finds the Temporal CLI: `TEMPORAL_CLI`, the project-local install (scripts/install-tools.sh), then PATH. */
export function findTemporalCli(explicit = process.env.TEMPORAL_CLI): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TEMPORAL_CLI=${explicit} does not exist`);
    return explicit;
  }
  const local = path.join(PROJECT_ROOT, '.tools', 'temporal', 'bin', 'temporal');
  if (existsSync(local)) return local;
  try {
    return execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'Temporal CLI not found: run `bash scripts/install-tools.sh`, or set TEMPORAL_CLI or TEMPORAL_ADDRESS',
    );
  }
}
