import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REDACTED, REDACTED_CHANGED, redactDiff, redactSecrets } from '../../domain/config/secret-redaction.ts';
import { unifiedDiff } from '../../domain/config/config-diff.ts';
import { fixtureReader } from '../support/collector-fixtures.ts';

const fixture = fixtureReader('config');

describe('secrets in served configuration versions', () => {
  test('compose map and list forms, anchors included: the values go, names and references stay', () => {
    const nextcloud = fixture('compose/nextcloud.yml');
    const out = redactSecrets(nextcloud);
    assert.ok(!out.text.includes('Tr0ub4dor&3-nc-db'));
    assert.ok(!out.text.includes('c0rrect-h0rse-battery-staple'));
    assert.match(out.text, new RegExp(`MYSQL_PASSWORD: ${REDACTED}`));
    assert.match(out.text, /MYSQL_USER: nextcloud/, 'ordinary values stay');
    assert.equal(out.text.split('\n').length, nextcloud.split('\n').length, 'line for line');

    const arr = redactSecrets(fixture('compose/arr-stack.yml')).text;
    assert.ok(!arr.includes('yCbHtkQpbW2Vh9cJ3uTkz1Ig'));
    assert.match(arr, new RegExp(`- WIREGUARD_PRIVATE_KEY=${REDACTED}`));
    assert.match(arr, /- VPN_TYPE=wireguard/);
    assert.ok(!redactSecrets(fixture('compose/proxy-labels.yml')).text.includes('9Zq3xKp7LmN2vB8cR4tY6uW1sE5aD0fGhJ'));
    assert.ok(
      !redactSecrets(fixture('compose/pihole-bad-indent.yml')).text.includes('hunter2-pihole-admin'),
      'a file that does not parse too',
    );
    assert.match(
      redactSecrets(fixture('compose/immich.yml')).text,
      /POSTGRES_PASSWORD: \$\{DB_PASSWORD\}/,
      'a reference reveals nothing',
    );
  });

  test('systemd Environment= with several assignments, quoted or not; _FILE names stay', () => {
    const unit = redactSecrets(fixture('systemd/restic-backup.service')).text;
    assert.ok(!unit.includes('K002x7Qv9PpZ3mN8sL1wE6rT4yU0iO'));
    assert.match(unit, new RegExp(`Environment=B2_ACCOUNT_ID=0025f4a8c1e2b3d0000000003 B2_ACCOUNT_KEY=${REDACTED}`));
    assert.match(unit, /"RESTIC_PASSWORD_FILE=\/etc\/restic\/password"/);
  });

  test('env files and credentials in URLs', () => {
    const env =
      'DB_HOST=db\nDB_PASSWORD="s3cr3t value"\nexport API_TOKEN=abc123\nREDIS_URL=redis://default:r3d1s@cache:6379/0\nEMPTY_SECRET=\n';
    const out = redactSecrets(env);
    assert.equal(
      out.text,
      `DB_HOST=db\nDB_PASSWORD=${REDACTED}\nexport API_TOKEN=${REDACTED}\nREDIS_URL=redis://default:${REDACTED}@cache:6379/0\nEMPTY_SECRET=\n`,
    );
    assert.equal(out.count, 3);
  });

  test('between two versions, a changed secret says so and shows neither value', () => {
    const before = 'TZ=UTC\nAPI_TOKEN=old-token-1\nDB_PASSWORD=same\n';
    const after = 'TZ=Europe/Paris\nAPI_TOKEN=new-token-2\nDB_PASSWORD=same\n';
    const diff = unifiedDiff('/opt/app/.env', redactSecrets(before).text, redactSecrets(after, before).text).text;
    assert.ok(!diff.includes('old-token-1') && !diff.includes('new-token-2'));
    assert.match(diff, new RegExp(`^\\+API_TOKEN=${REDACTED_CHANGED}$`, 'm'));
    assert.match(diff, /^\+TZ=Europe\/Paris$/m);
    assert.ok(!/^[-+]DB_PASSWORD/m.test(diff), 'an unchanged secret is not a change');

    // A diff stored before redaction existed is redacted when served, line by line.
    const stored = unifiedDiff('/opt/app/.env', before, after).text;
    const served = redactDiff(stored).text;
    assert.ok(!served.includes('old-token-1') && !served.includes('new-token-2'));
    assert.match(served, new RegExp(`^-API_TOKEN=${REDACTED}$`, 'm'));
    assert.match(served, new RegExp(`^\\+API_TOKEN=${REDACTED_CHANGED}$`, 'm'));
  });
});
