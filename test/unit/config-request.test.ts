import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SnapshotId } from '../../schema/config-request.ts';

test('a snapshot id is a positive bigint: beyond the largest PostgreSQL has is bad input, not a database error', () => {
  assert.equal(SnapshotId.safeParse('1').success, true);
  assert.equal(SnapshotId.safeParse('9223372036854775807').success, true);
  const beyond = SnapshotId.safeParse('9633106158519678090');
  assert.equal(beyond.success, false);
  assert.match(beyond.error!.issues[0]!.message, /beyond the largest/);
  for (const bad of ['0', '-1', '12a', '99999999999999999999'])
    assert.equal(SnapshotId.safeParse(bad).success, false, bad);
});
