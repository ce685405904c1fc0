import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseUnreachable } from '../../platform/db.ts';

const coded = (code: string, message = `connect ${code} 127.0.0.1:5432`) => Object.assign(new Error(message), { code });

test('a refused, lost or shut-down connection is the database unreachable, with its message as the reason', () => {
  assert.equal(databaseUnreachable(coded('ECONNREFUSED')), 'connect ECONNREFUSED 127.0.0.1:5432');
  assert.equal(
    databaseUnreachable(coded('57P01', 'terminating connection due to administrator command')),
    'terminating connection due to administrator command',
  );
  assert.equal(databaseUnreachable(coded('08006', 'connection failure')), 'connection failure');
  assert.equal(
    databaseUnreachable(new Error('Connection terminated unexpectedly')),
    'Connection terminated unexpectedly',
  );
  assert.equal(
    databaseUnreachable(
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], ''),
    ),
    'connect ECONNREFUSED 127.0.0.1:5432',
  );
});

test('other errors, database ones included, are not', () => {
  assert.equal(databaseUnreachable(coded('23505', 'duplicate key value violates unique constraint')), null);
  assert.equal(databaseUnreachable(new Error('boom')), null);
  assert.equal(databaseUnreachable(new AggregateError([coded('ECONNREFUSED'), new Error('boom')])), null);
  assert.equal(databaseUnreachable('ECONNREFUSED'), null);
});
