import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../platform/config.ts';

describe('loadConfig', () => {
  it('defaults, and RETENTION_DAYS as per-type overrides', () => {
    const config = loadConfig({});
    assert.equal(config.API_PORT, 9101);
    assert.deepEqual(config.RETENTION_DAYS, {});
    assert.deepEqual(loadConfig({ RETENTION_DAYS: 'metrics=14, containers=7' }).RETENTION_DAYS, {
      metrics: 14,
      containers: 7,
    });
    assert.equal(config.AUDIT_RETENTION_DAYS, 90);
    assert.equal(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).AUDIT_RETENTION_DAYS, 30);
  });

  it('names the bad variable and says what it expected', () => {
    assert.throws(
      () => loadConfig({ RETENTION_DAYS: 'metricz=14' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /RETENTION_DAYS: "metricz=14": expected TYPE=DAYS with TYPE one of metrics, /.test(err.message),
    );
    assert.throws(() => loadConfig({ RETENTION_DAYS: 'metrics=0' }), /RETENTION_DAYS: "metrics=0"/);
    assert.throws(() => loadConfig({ API_PORT: '70000' }), /API_PORT/);
    assert.throws(
      () => loadConfig({ AUDIT_RETENTION_DAYS: '0' }),
      /AUDIT_RETENTION_DAYS: AUDIT_RETENTION_DAYS must be at least 1/,
    );
  });
});
