import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cliPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/infra.mjs');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `infra` CLI as a person runs it, talking to the API at `apiUrl`. */
export function runCli(apiUrl: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    // stdin is not a terminal here, so a held command is printed rather than prompted for.
    execFile(
      process.execPath,
      [cliPath, ...args],
      { env: { ...process.env, INFRA_API_URL: apiUrl } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
