import { createInterface } from 'node:readline/promises';
import { answerOf, api, CliError, dataOf, failure, type Answer } from './api.ts';

/**
 * Prints a held operation. Its phrase is shown only to a caller allowed to release it (a token with the
 * confirm scope that did not ask for it, or the local owner where REQUIRE_DISTINCT_CONFIRMER=false);
 * then, at a terminal, it asks for the phrase until it is right or attempts run out.
 */
export async function confirmInteractively(operationId: string): Promise<void> {
  const op = printableDeep(await dataOf(api.GET('/api/operations/{id}', { params: { path: { id: operationId } } })));
  const out = process.stdout;
  const a = op.assessment;
  out.write(
    `\nDESTRUCTIVE COMMAND HELD on ${op.device} (risk ${a?.risk_level ?? '?'}, operation ${op.operation_id})\n`,
  );
  out.write(
    `  command: ${op.command}\n  requested by: ${op.requested_by.name}${op.requested_by.on_behalf_of ? ` (for ${op.requested_by.on_behalf_of})` : ''}\n`,
  );
  for (const r of a?.reasons ?? []) out.write(`  - ${r}\n`);
  for (const w of a?.safety_warnings ?? []) out.write(`  ! ${w}\n`);
  if (a) out.write(`  affected: ${a.affected_count}; downtime: ${a.estimated_downtime ?? 'n/a'}\n`);
  for (const alt of a?.safer_alternatives ?? []) out.write(`  safer: ${alt}\n`);
  if (op.state !== 'awaiting_confirmation')
    throw new CliError(`operation ${op.operation_id} is ${op.state}; nothing to confirm`);
  if (!op.confirmation_phrase) {
    out.write(
      `\nA person with the confirm scope, other than the requester, releases it before ${op.expires_at}:\n` +
        `  infra confirm ${op.operation_id}   (with their own INFRA_API_TOKEN)   or cancel it: infra cancel ${op.operation_id}\n`,
    );
    process.exitCode = 3;
    return;
  }
  out.write(`\nTo run it, type exactly:  ${op.confirmation_phrase}\n(expires ${op.expires_at})\n`);
  if (!process.stdin.isTTY) {
    out.write(
      `Not a terminal: confirm with  infra confirm ${op.operation_id} '<the phrase>'  or cancel with  infra cancel ${op.operation_id}\n`,
    );
    process.exitCode = 3;
    return;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const id = { params: { path: { id: op.operation_id } } };
  try {
    for (;;) {
      const phrase = (await rl.question('phrase (empty to cancel)> ')).trim();
      if (phrase === '') {
        await dataOf(api.POST('/api/operations/{id}/cancel', id));
        out.write('cancelled; nothing ran\n');
        return;
      }
      const { status, payload } = await answerOf(api.POST('/api/operations/{id}/confirm', { ...id, body: { phrase } }));
      if (status === 422) {
        out.write(`${(payload?.error as { message: string }).message}\n`);
        continue;
      }
      if (status >= 400) throw failure(status, payload);
      printResult(payload!);
      return;
    }
  } finally {
    rl.close();
  }
}

/**
 * What an agent wrote (its command, its client name) is shown to the person about to type a phrase:
 * control characters could move the cursor and rewrite the screen, so they are shown as escapes.
 */
function printableDeep<T>(value: T): T {
  if (typeof value === 'string')
    return value.replace(/[\p{Cc}\p{Cf}]/gu, (c) =>
      c === '\n' ? c : `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`,
    ) as T;
  if (Array.isArray(value)) return value.map(printableDeep) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printableDeep(v)])) as T;
  return value;
}

export function printResult(result: Record<string, unknown>): void {
  process.stdout.write(String(result.stdout ?? ''));
  process.stderr.write(String(result.stderr ?? ''));
  if (typeof result.note === 'string') process.stderr.write(`${result.note}\n`);
  if (result.stdout_truncated || result.stderr_truncated)
    process.stderr.write(`[output truncated at ${String(result.output_limit_bytes)} bytes per stream]\n`);
  process.exitCode = typeof result.exit_code === 'number' ? result.exit_code : 1;
}

/** The answer of anything that ran as an operation: its output, or the confirmation dialogue when held. */
export async function operation({ status, payload }: Answer): Promise<void> {
  if (status === 200) return printResult(payload!);
  if (status === 409 && payload?.status === 'DESTRUCTIVE_ACTION_BLOCKED')
    return confirmInteractively(String(payload.operation_id));
  if (status === 409 && payload?.status === 'BLOCKED_BY_DEVICE_RULE')
    throw new CliError(`blocked by a device rule: ${String(payload.reason)}`);
  throw failure(status, payload);
}
