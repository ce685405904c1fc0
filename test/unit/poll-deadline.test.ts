import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { lastWordBefore, pollDeadlineMs } from '../../activities/collect.ts';

describe('a polled run ends before the next one is due', () => {
  const scheduledAt = Date.parse('2026-11-27T10:00:00Z');

  test("the deadline is the first attempt's schedule time plus the interval, less the time an answer needs", () => {
    assert.equal(pollDeadlineMs({ intervalSeconds: 30 }, { scheduledTimestampMs: scheduledAt }), scheduledAt + 28_000);
    assert.equal(pollDeadlineMs({}, { scheduledTimestampMs: scheduledAt }), null, 'API, MCP and CLI runs have none');
  });

  test('a retryable failure stays retryable while its retry would start in time', () => {
    const lost = ApplicationFailure.create({ type: 'connection_lost', message: 'reset', nextRetryDelay: 2_000 });
    assert.equal(lastWordBefore(scheduledAt + 28_000, lost, scheduledAt + 1_000), lost);
    assert.equal(lastWordBefore(null, lost, scheduledAt + 60_000), lost, 'no deadline, no change');
  });

  test("a retry that would start past the deadline turns the failure into the run's last word, with its own code", () => {
    const timeout = ApplicationFailure.create({
      type: 'command_timeout',
      message: 'df did not finish within 25000 ms',
      nextRetryDelay: 5_000,
      details: ['x'],
    });
    const last = lastWordBefore(scheduledAt + 28_000, timeout, scheduledAt + 26_000);
    assert.equal(last.nonRetryable, true);
    assert.equal(last.type, 'command_timeout');
    assert.match(
      last.message,
      /^df did not finish within 25000 ms \(not tried again: the next scheduled collection is due\)$/,
    );
    assert.deepEqual(last.details, ['x']);
    // Without a delay of its own, the retry policy's first backoff (1 s) is assumed.
    const internal = ApplicationFailure.create({ type: 'internal_error', message: 'db down' });
    assert.equal(lastWordBefore(scheduledAt + 28_000, internal, scheduledAt + 26_999).nonRetryable, false);
    assert.equal(lastWordBefore(scheduledAt + 28_000, internal, scheduledAt + 27_000).nonRetryable, true);
  });

  test('a failure already final is left as it is', () => {
    const mismatch = ApplicationFailure.create({
      type: 'host_key_mismatch',
      message: 'host key changed',
      nonRetryable: true,
    });
    assert.equal(lastWordBefore(scheduledAt + 28_000, mismatch, scheduledAt + 27_500), mismatch);
  });
});
