import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { AlertState } from '../../../schema/alert.ts';
import { api, ApiError, unwrap } from '../api/client.ts';
import type { paths } from '../../../client/openapi.gen.ts';
import { Age, Badge, Empty, ErrorNote, Field, Loading, SeverityBadge } from '../components/ui.tsx';
import { useSession } from '../session.tsx';

/** Firing first: the page opens on what needs attention now. */
const ALERT_STATES = ['firing', 'pending', 'resolved'] as const satisfies readonly AlertState[];

/** Alerts (firing first by filter), and the rules and channels that make and deliver them. */
export default function AlertsPage() {
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const state = (params.get('state') ?? 'firing') as AlertState | 'all';
  const alerts = useQuery({
    queryKey: ['alerts', 'list', state],
    queryFn: () =>
      unwrap(api.GET('/api/alerts', { params: { query: { limit: 200, ...(state !== 'all' && { state }) } } })),
  });

  return (
    <section>
      <h1>Alerts</h1>
      <div className="filters" role="search">
        <label>
          State{' '}
          <select value={state} onChange={(e) => setParams({ state: e.target.value }, { replace: true })}>
            {[...ALERT_STATES, 'all'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={alerts.error} />
      {alerts.isPending ? (
        <Loading what="alerts" />
      ) : !alerts.data?.alerts.length ? (
        <Empty>No {state === 'all' ? '' : `${state} `}alerts.</Empty>
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Severity</th>
              <th scope="col">Alert</th>
              <th scope="col">State</th>
              <th scope="col">Since</th>
              <th scope="col">Rule</th>
            </tr>
          </thead>
          <tbody>
            {alerts.data.alerts.map((a) => (
              <tr key={a.id}>
                <th scope="row" data-label="Device">
                  <Link to={`/devices/${encodeURIComponent(a.device)}`}>{a.device}</Link>
                </th>
                <td data-label="Severity">
                  <SeverityBadge severity={a.severity} />
                </td>
                <td data-label="Alert">
                  {a.message}
                  {a.muted && <Badge tone="muted">muted (maintenance)</Badge>}
                </td>
                <td data-label="State">
                  <Badge tone={a.state === 'firing' ? 'bad' : a.state === 'pending' ? 'warn' : 'ok'}>{a.state}</Badge>
                </td>
                <td data-label="Since">
                  <Age time={a.state === 'resolved' ? a.resolved_at : (a.fired_at ?? a.first_seen)} />
                </td>
                <td data-label="Rule">{a.rule}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <Rules />
      {can('admin') && <Channels />}
    </section>
  );
}

type RuleBody = paths['/api/alerts/rules']['post']['requestBody']['content']['application/json'];
type RuleMatch = RuleBody['match'];
type ChannelBody = paths['/api/alerts/channels']['post']['requestBody']['content']['application/json'];
const RULE_SOURCES = ['insight', 'device_status', 'config_change', 'operation'] as const satisfies ReadonlyArray<
  RuleBody['source']
>;
const SEVERITIES = ['info', 'warning', 'critical'] as const satisfies ReadonlyArray<
  NonNullable<RuleMatch['min_severity']>
>;
const DEVICE_STATES = ['unreachable', 'auth_failed', 'host_key_mismatch', 'offline'] as const satisfies ReadonlyArray<
  NonNullable<RuleMatch['states']>[number]
>;
const RISKS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const satisfies ReadonlyArray<
  NonNullable<RuleMatch['min_risk']>
>;
const OPERATION_STATES = [
  'awaiting_confirmation',
  'blocked',
  'confirmed',
  'rejected',
  'expired',
  'failed',
] as const satisfies ReadonlyArray<NonNullable<RuleMatch['operation_states']>[number]>;
const CHANNEL_KINDS = ['webhook', 'ntfy', 'gotify'] as const satisfies ReadonlyArray<ChannelBody['kind']>;

/** A removal takes a second click on a button that names what goes: one stray click removes nothing. */
function useArmed() {
  const [armed, setArmed] = useState<string | null>(null);
  return { armed, arm: setArmed };
}

/** The rules, each turned on or off, added and removed by an admin. */
function Rules() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const rules = useQuery({ queryKey: ['alerts', 'rules'], queryFn: () => unwrap(api.GET('/api/alerts/rules')) });
  const settled = () => void queryClient.invalidateQueries({ queryKey: ['alerts', 'rules'] });
  const toggle = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) =>
      unwrap(api.PATCH('/api/alerts/rules/{id}', { params: { path: { id } }, body: { enabled } })),
    onSettled: settled,
  });
  const { armed, arm } = useArmed();
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/alerts/rules/{id}', { params: { path: { id } } })),
    onSettled: settled,
  });
  const admin = can('admin');
  return (
    <>
      <h2>Rules</h2>
      <ErrorNote error={rules.error ?? toggle.error ?? remove.error} />
      <ul aria-label="Alert rules">
        {rules.data?.rules.map((r) => (
          <li key={r.id}>
            <strong>{r.name}</strong>{' '}
            <span className="muted small">
              {r.source}, after {r.for_seconds} s, {JSON.stringify(r.match)}
            </span>{' '}
            {admin ? (
              <>
                <label>
                  <input
                    type="checkbox"
                    checked={r.enabled}
                    disabled={toggle.isPending}
                    onChange={(e) => toggle.mutate({ id: r.id, enabled: e.target.checked })}
                  />{' '}
                  enabled
                </label>{' '}
                {armed === r.id ? (
                  <button
                    type="button"
                    className="danger"
                    disabled={remove.isPending}
                    onClick={() => remove.mutate(r.id)}
                  >
                    Delete rule {r.name}
                  </button>
                ) : (
                  <button type="button" onClick={() => arm(r.id)} aria-label={`delete ${r.name}`}>
                    delete
                  </button>
                )}
              </>
            ) : (
              <Badge tone={r.enabled ? 'ok' : 'muted'}>{r.enabled ? 'enabled' : 'disabled'}</Badge>
            )}
          </li>
        ))}
      </ul>
      {admin && <RuleForm onAdded={settled} />}
    </>
  );
}

const toggled = <T,>(list: readonly T[], item: T) =>
  list.includes(item) ? list.filter((x) => x !== item) : [...list, item];

/** What a rule matches depends on its source: only that source's fields are shown and sent. */
function RuleForm({ onAdded }: { onAdded(): void }) {
  const [name, setName] = useState('');
  const [source, setSource] = useState<RuleBody['source']>('insight');
  const [minSeverity, setMinSeverity] = useState<(typeof SEVERITIES)[number]>('warning');
  const [codes, setCodes] = useState('');
  const [states, setStates] = useState<Array<(typeof DEVICE_STATES)[number]>>([]);
  const [minRisk, setMinRisk] = useState<(typeof RISKS)[number]>('HIGH');
  const [operationStates, setOperationStates] = useState<Array<(typeof OPERATION_STATES)[number]>>([]);
  const [forSeconds, setForSeconds] = useState('0');
  const match = (): RuleMatch => {
    if (source === 'insight') {
      const list = codes
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      return { min_severity: minSeverity, ...(list.length > 0 && { codes: list }) };
    }
    if (source === 'device_status') return { states };
    if (source === 'config_change') return { min_risk: minRisk };
    return { operation_states: operationStates };
  };
  const add = useMutation({
    // A number the field cannot hold goes as it is: the API's answer names the field.
    mutationFn: () =>
      unwrap(
        api.POST('/api/alerts/rules', {
          body: { name: name.trim(), source, match: match(), for_seconds: Number(forSeconds) },
        }),
      ),
    onSuccess: () => {
      setName('');
      onAdded();
    },
  });
  const errors = add.error instanceof ApiError ? add.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <form className="fields card" onSubmit={submit} aria-label="Add an alert rule" noValidate>
      <Field label="Name" error={errors.name}>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="disks filling" />
      </Field>
      <Field label="Source" error={errors.source}>
        <select value={source} onChange={(e) => setSource(e.target.value as RuleBody['source'])}>
          {RULE_SOURCES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </Field>
      {source === 'insight' && (
        <>
          <Field label="At least" error={errors['match.min_severity']}>
            <select value={minSeverity} onChange={(e) => setMinSeverity(e.target.value as typeof minSeverity)}>
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </Field>
          <Field label="Only codes" error={errors['match.codes']}>
            <input
              value={codes}
              onChange={(e) => setCodes(e.target.value)}
              placeholder="all; or filesystem_full, pool_degraded"
            />
          </Field>
        </>
      )}
      {source === 'device_status' && (
        <fieldset className="actions">
          <legend>Statuses</legend>
          {DEVICE_STATES.map((s) => (
            <label key={s}>
              <input type="checkbox" checked={states.includes(s)} onChange={() => setStates(toggled(states, s))} />{' '}
              {s.replace(/_/g, ' ')}
            </label>
          ))}
        </fieldset>
      )}
      {source === 'config_change' && (
        <Field label="Risk at least" error={errors['match.min_risk']}>
          <select value={minRisk} onChange={(e) => setMinRisk(e.target.value as typeof minRisk)}>
            {RISKS.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </Field>
      )}
      {source === 'operation' && (
        <fieldset className="actions">
          <legend>Steps</legend>
          {OPERATION_STATES.map((s) => (
            <label key={s}>
              <input
                type="checkbox"
                checked={operationStates.includes(s)}
                onChange={() => setOperationStates(toggled(operationStates, s))}
              />{' '}
              {s.replace(/_/g, ' ')}
            </label>
          ))}
        </fieldset>
      )}
      <Field label="For (seconds)" error={errors.for_seconds}>
        <input
          inputMode="numeric"
          value={forSeconds}
          onChange={(e) => setForSeconds(e.target.value)}
          className="narrow"
        />
      </Field>
      <button type="submit" className="primary" disabled={add.isPending}>
        Add rule
      </button>
      <ErrorNote error={add.error && Object.keys(errors).length === 0 ? add.error : null} />
    </form>
  );
}

/**
 * Delivery channels (admin reads them: an ntfy topic in a URL is a subscription). They receive the
 * phrases of held operations, so adding, testing or removing one also takes `confirm`: without it the
 * controls are shown disabled, with why.
 */
function Channels() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const channels = useQuery({
    queryKey: ['alerts', 'channels'],
    queryFn: () => unwrap(api.GET('/api/alerts/channels')),
  });
  const settled = () => void queryClient.invalidateQueries({ queryKey: ['alerts', 'channels'] });
  const { armed, arm } = useArmed();
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/alerts/channels/{id}', { params: { path: { id } } })),
    onSettled: settled,
  });
  const test = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/alerts/channels/{id}/test', { params: { path: { id } } })),
  });
  const manage = can('confirm');
  return (
    <>
      <h2>Channels</h2>
      {!manage && (
        <p className="muted small">
          Adding, testing or removing a channel takes the admin and confirm scopes: channels receive the phrases of held
          operations.
        </p>
      )}
      <ErrorNote error={channels.error ?? remove.error ?? test.error} />
      {channels.data?.channels.length ? (
        <ul aria-label="Alert channels">
          {channels.data.channels.map((c) => (
            <li key={c.id}>
              <strong>{c.name}</strong> <span className="muted small">{c.kind}</span>{' '}
              <span className="mono small">{c.url}</span>
              {c.has_secret && <span className="muted small"> (with a secret)</span>}
              {!c.enabled && <Badge tone="muted">disabled</Badge>}{' '}
              <button
                type="button"
                disabled={!manage || test.isPending}
                onClick={() => test.mutate(c.id)}
                aria-label={`send a test to ${c.name}`}
              >
                {test.isPending && test.variables === c.id ? 'Sending…' : 'send a test'}
              </button>{' '}
              {armed === c.id ? (
                <button
                  type="button"
                  className="danger"
                  disabled={!manage || remove.isPending}
                  onClick={() => remove.mutate(c.id)}
                >
                  Remove channel {c.name}
                </button>
              ) : (
                <button type="button" disabled={!manage} onClick={() => arm(c.id)} aria-label={`remove ${c.name}`}>
                  remove
                </button>
              )}
              {test.data && test.variables === c.id && (
                <span role="status" aria-label={`test of ${c.name}`}>
                  {' '}
                  <Badge tone={test.data.delivered ? 'ok' : 'bad'}>
                    {test.data.delivered ? 'delivered' : 'not delivered'}
                  </Badge>{' '}
                  {test.data.detail}
                </span>
              )}
            </li>
          ))}
        </ul>
      ) : (
        !channels.isPending && <Empty>No channel: alerts are recorded here only.</Empty>
      )}
      <ChannelForm disabled={!manage} onAdded={settled} />
    </>
  );
}

function ChannelForm({ disabled, onAdded }: { disabled: boolean; onAdded(): void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ChannelBody['kind']>('ntfy');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/alerts/channels', {
          body: { name: name.trim(), kind, url: url.trim(), ...(secret && { secret }) },
        }),
      ),
    onSuccess: () => {
      setName('');
      setUrl('');
      setSecret('');
      onAdded();
    },
  });
  const errors = add.error instanceof ApiError ? add.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Add a channel" noValidate>
      <fieldset className="fields" disabled={disabled}>
        <legend className="visually-hidden">Channel</legend>
        <Field label="Name" error={errors.name}>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="phone" />
        </Field>
        <Field label="Kind" error={errors.kind}>
          <select value={kind} onChange={(e) => setKind(e.target.value as ChannelBody['kind'])}>
            {CHANNEL_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </Field>
        <Field label="URL" error={errors.url}>
          <input
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder={
              kind === 'ntfy'
                ? 'https://ntfy.sh/homelab'
                : kind === 'gotify'
                  ? 'https://gotify.lan'
                  : 'https://hooks.lan/infra'
            }
            className="mono"
          />
        </Field>
        <Field label="Token or secret" error={errors.secret}>
          <input
            type="password"
            autoComplete="off"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            placeholder="optional; never shown again"
          />
        </Field>
        <button type="submit" className="primary" disabled={add.isPending}>
          Add channel
        </button>
      </fieldset>
      <ErrorNote error={add.error && Object.keys(errors).length === 0 ? add.error : null} />
    </form>
  );
}
