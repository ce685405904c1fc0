import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { DEVICE_TYPES } from '../../../schema/device-types.ts';
import { TOKEN_SCOPES, type TokenScope } from '../../../schema/token-scopes.ts';
import { api, unwrap } from '../api/client.ts';
import { Age, Badge, Empty, ErrorNote, Loading } from '../components/ui.tsx';
import { useSession } from '../session.tsx';

/** Admin settings: API tokens and devices. */
export default function SettingsPage() {
  return (
    <section>
      <h1>Settings</h1>
      <Tokens />
      <Devices />
      <ImportSshConfig />
    </section>
  );
}

const fetchTokens = () => unwrap(api.GET('/api/tokens'));

function Tokens() {
  const { principal } = useSession();
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: fetchTokens });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['read']);
  const [days, setDays] = useState('');
  const settled = () => queryClient.invalidateQueries({ queryKey: ['tokens'] });
  // The local owner's first token ends the open setup: the list would now answer 401 and swap this page
  // for the sign-in page before the new token could be copied, so it is not asked for again.
  const open = principal.kind === 'local_owner';
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/tokens', {
          body: { name: name.trim(), scopes, ...(days && { expires_in_days: Number(days) }) },
        }),
      ),
    onSuccess: () => setName(''),
    onSettled: () => (open ? undefined : settled()),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/tokens/{id}', { params: { path: { id } } })),
    onSettled: settled,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const toggle = (scope: TokenScope) =>
    setScopes((s) => (s.includes(scope) ? s.filter((x) => x !== scope) : [...s, scope]));

  return (
    <>
      <h2>API tokens</h2>
      <p className="muted small">
        <code>read</code> reads; <code>operate</code> also acts (destructive actions are held); <code>confirm</code>{' '}
        releases held operations (for people, never agents); <code>admin</code> manages devices, tokens and alerts (it
        does not include confirm).
      </p>
      <form className="actions card" onSubmit={submit} aria-label="Create a token">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} required placeholder="alice" />
        </label>
        <fieldset className="actions">
          <legend className="visually-hidden">Scopes</legend>
          {TOKEN_SCOPES.map((scope) => (
            <label key={scope}>
              <input type="checkbox" checked={scopes.includes(scope)} onChange={() => toggle(scope)} /> {scope}
            </label>
          ))}
        </fieldset>
        <label>
          Expires after{' '}
          <input
            type="number"
            min={1}
            max={3650}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            placeholder="never"
            className="narrow"
          />{' '}
          days
        </label>
        <button type="submit" className="primary" disabled={create.isPending || !name.trim() || scopes.length === 0}>
          Create token
        </button>
      </form>
      <ErrorNote error={create.error ?? revoke.error} />
      {create.data && (
        <div className="card held" role="alert">
          <p>
            Token <strong>{create.data.name}</strong> ({create.data.scopes.join(', ')}): copy it now, it is shown only
            once.
          </p>
          <input
            readOnly
            value={create.data.token}
            className="mono wide"
            aria-label="the new token"
            onFocus={(e) => e.target.select()}
          />
          {open && <p>Tokens exist now: from the next request on, this console asks for one too.</p>}
        </div>
      )}
      {open && !create.data && (
        <p className="card">
          No token exists yet, so anyone on this machine is the owner. The first token ends that: create an{' '}
          <code>admin</code> token for yourself first (or keep <code>INFRA_ADMIN_TOKEN</code> at hand).
        </p>
      )}
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : !tokens.data?.tokens.length ? (
        !create.data && <Empty>No token yet: the API is open on loopback only, to whoever runs there.</Empty>
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Revoke</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.tokens.map((t) => (
              <tr key={t.id}>
                <th scope="row" data-label="Name">
                  {t.name} {t.revoked_at && <Badge tone="muted">revoked</Badge>}
                </th>
                <td data-label="Scopes">{t.scopes.join(', ')}</td>
                <td data-label="Created">
                  <Age time={t.created_at} />
                </td>
                <td data-label="Last used">
                  <Age time={t.last_used_at} />
                </td>
                <td data-label="Expires">{t.expires_at ? <Age time={t.expires_at} suffix="" /> : 'never'}</td>
                <td>
                  {!t.revoked_at && (
                    <button
                      type="button"
                      onClick={() => revoke.mutate(t.id)}
                      disabled={revoke.isPending}
                      aria-label={`revoke ${t.name}`}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const fetchDevices = () => unwrap(api.GET('/api/devices'));
type Device = Awaited<ReturnType<typeof fetchDevices>>['devices'][number];

interface DeviceFields {
  hostname: string;
  address: string;
  port: string;
  username: string;
  identity_file: string;
  device_type: (typeof DEVICE_TYPES)[number];
  tags: string;
  location: string;
  description: string;
  monitoring_enabled: boolean;
}
const blank: DeviceFields = {
  hostname: '',
  address: '',
  port: '22',
  username: 'root',
  identity_file: '',
  device_type: 'linux',
  tags: '',
  location: '',
  description: '',
  monitoring_enabled: true,
};
const fieldsOf = (d: Device): DeviceFields => ({
  hostname: d.hostname,
  address: d.address,
  port: String(d.port),
  username: d.username,
  identity_file: '',
  device_type: (DEVICE_TYPES as readonly string[]).includes(d.device_type)
    ? (d.device_type as DeviceFields['device_type'])
    : 'other',
  tags: d.tags.join(', '),
  location: d.location ?? '',
  description: d.description ?? '',
  monitoring_enabled: d.monitoring_enabled,
});
/** What both the add and the edit forms send; the key path only when one is typed (the API never shows it back). */
const bodyOf = (f: DeviceFields) => ({
  address: f.address.trim(),
  port: Number(f.port),
  username: f.username.trim(),
  device_type: f.device_type,
  tags: f.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean),
  location: f.location.trim() || null,
  description: f.description.trim() || null,
  monitoring_enabled: f.monitoring_enabled,
  ...(f.identity_file.trim() && { auth_method: 'key' as const, identity_file: f.identity_file.trim() }),
});

function Devices() {
  const queryClient = useQueryClient();
  const devices = useQuery({ queryKey: ['devices'], queryFn: fetchDevices });
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const settled = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['devices'] }),
      queryClient.invalidateQueries({ queryKey: ['fleet'] }),
    ]);
  const add = useMutation({
    mutationFn: (f: DeviceFields) =>
      unwrap(
        api.POST('/api/devices', {
          body: {
            hostname: f.hostname.trim(),
            ...bodyOf(f),
            ...(!f.identity_file.trim() && { auth_method: 'agent' as const }),
          },
        }),
      ),
    onSettled: settled,
  });
  const update = useMutation({
    mutationFn: (f: DeviceFields) =>
      unwrap(api.PATCH('/api/devices/{hostname}', { params: { path: { hostname: f.hostname } }, body: bodyOf(f) })),
    onSuccess: () => setEditing(null),
    onSettled: settled,
  });
  const resetHostKey = useMutation({
    mutationFn: (hostname: string) =>
      unwrap(api.PATCH('/api/devices/{hostname}', { params: { path: { hostname } }, body: { reset_host_key: true } })),
    onSettled: settled,
  });
  const remove = useMutation({
    mutationFn: (hostname: string) => unwrap(api.DELETE('/api/devices/{hostname}', { params: { path: { hostname } } })),
    onSuccess: () => setRemoving(null),
    onSettled: settled,
  });

  return (
    <>
      <h2>Devices</h2>
      <ErrorNote error={devices.error ?? update.error ?? resetHostKey.error ?? remove.error} />
      {devices.isPending ? (
        <Loading what="devices" />
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">SSH</th>
              <th scope="col">Type</th>
              <th scope="col">Tags</th>
              <th scope="col">Host key</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {devices.data?.devices.map((d) =>
              editing === d.hostname ? (
                <tr key={d.hostname}>
                  <td colSpan={6}>
                    <DeviceForm
                      initial={fieldsOf(d)}
                      editing
                      onSubmit={(f) => update.mutate(f)}
                      onCancel={() => setEditing(null)}
                      busy={update.isPending}
                    />
                  </td>
                </tr>
              ) : (
                <tr key={d.hostname}>
                  <th scope="row" data-label="Device">
                    {d.hostname} {!d.monitoring_enabled && <Badge tone="muted">not monitored</Badge>}
                  </th>
                  <td data-label="SSH" className="mono small">
                    {d.username}@{d.address}:{d.port} ({d.auth_method})
                  </td>
                  <td data-label="Type">{d.device_type}</td>
                  <td data-label="Tags">{d.tags.join(', ')}</td>
                  <td data-label="Host key" className="mono small">
                    {d.host_key_fingerprint ?? 'not pinned yet'}
                  </td>
                  <td>
                    <div className="actions">
                      <button type="button" onClick={() => setEditing(d.hostname)} aria-label={`edit ${d.hostname}`}>
                        Edit
                      </button>
                      {d.status === 'host_key_mismatch' && (
                        <button
                          type="button"
                          onClick={() => resetHostKey.mutate(d.hostname)}
                          disabled={resetHostKey.isPending}
                          title="After a reinstall: pin the key the device shows next"
                        >
                          Forget host key
                        </button>
                      )}
                      {removing === d.hostname ? (
                        <>
                          <button
                            type="button"
                            className="danger"
                            onClick={() => remove.mutate(d.hostname)}
                            disabled={remove.isPending}
                          >
                            Remove {d.hostname} (its history stays)
                          </button>
                          <button type="button" onClick={() => setRemoving(null)}>
                            Keep
                          </button>
                        </>
                      ) : (
                        <button
                          type="button"
                          onClick={() => setRemoving(d.hostname)}
                          aria-label={`remove ${d.hostname}`}
                        >
                          Remove
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
      <h3>Add a device</h3>
      {/* A new form (empty again) after each device added. */}
      <DeviceForm key={add.data?.id ?? 'new'} initial={blank} onSubmit={(f) => add.mutate(f)} busy={add.isPending} />
      <ErrorNote error={add.error} />
      {add.data && <p role="status">Added {add.data.hostname}; its capabilities are being detected.</p>}
    </>
  );
}

function DeviceForm({
  initial,
  editing = false,
  busy,
  onSubmit,
  onCancel,
}: {
  initial: DeviceFields;
  editing?: boolean;
  busy: boolean;
  onSubmit(f: DeviceFields): void;
  onCancel?(): void;
}) {
  const [f, setF] = useState(initial);
  const set = <K extends keyof DeviceFields>(key: K, value: DeviceFields[K]) =>
    setF((old) => ({ ...old, [key]: value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(f);
  };
  return (
    <form className="device-form card" onSubmit={submit} aria-label={editing ? `Edit ${f.hostname}` : 'Add a device'}>
      {!editing && (
        <label>
          Hostname{' '}
          <input value={f.hostname} onChange={(e) => set('hostname', e.target.value)} required placeholder="nas01" />
        </label>
      )}
      <label>
        Address{' '}
        <input
          value={f.address}
          onChange={(e) => set('address', e.target.value)}
          placeholder={editing ? '' : 'the hostname'}
          required={editing}
        />
      </label>
      <label>
        Port{' '}
        <input
          type="number"
          min={1}
          max={65535}
          value={f.port}
          onChange={(e) => set('port', e.target.value)}
          className="narrow"
        />
      </label>
      <label>
        User <input value={f.username} onChange={(e) => set('username', e.target.value)} />
      </label>
      <label>
        Private key on the worker{' '}
        <input
          value={f.identity_file}
          onChange={(e) => set('identity_file', e.target.value)}
          placeholder={editing ? 'unchanged' : 'empty: ssh-agent'}
          className="mono"
        />
      </label>
      <label>
        Type{' '}
        <select
          value={f.device_type}
          onChange={(e) => set('device_type', e.target.value as DeviceFields['device_type'])}
        >
          {DEVICE_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label>
        Tags <input value={f.tags} onChange={(e) => set('tags', e.target.value)} placeholder="storage, home" />
      </label>
      <label>
        Location <input value={f.location} onChange={(e) => set('location', e.target.value)} />
      </label>
      <label>
        Description <input value={f.description} onChange={(e) => set('description', e.target.value)} />
      </label>
      <label>
        <input
          type="checkbox"
          checked={f.monitoring_enabled}
          onChange={(e) => set('monitoring_enabled', e.target.checked)}
        />{' '}
        monitored (polled, watched)
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {editing ? 'Save' : 'Add device'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

/** Devices from an OpenSSH client config: a dry run first shows what would be added, then the import. */
function ImportSshConfig() {
  const queryClient = useQueryClient();
  const [config, setConfig] = useState('');
  const [identity, setIdentity] = useState('');
  const run = useMutation({
    mutationFn: (dryRun: boolean) =>
      unwrap(
        api.POST('/api/devices/import', {
          body: { config, dry_run: dryRun, defaults: identity.trim() ? { identity_file: identity.trim() } : {} },
        }),
      ),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['devices'] }),
        queryClient.invalidateQueries({ queryKey: ['fleet'] }),
      ]),
  });
  const result = run.data;
  return (
    <>
      <h2>Import from an SSH config</h2>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate(true);
        }}
      >
        <label>
          ~/.ssh/config{' '}
          <textarea
            rows={8}
            value={config}
            onChange={(e) => setConfig(e.target.value)}
            placeholder={'Host nas01\n  HostName 192.168.1.10\n  User root\n  IdentityFile ~/.ssh/id_ed25519'}
            required
          />
        </label>
        <label>
          Key for hosts without IdentityFile{' '}
          <input
            value={identity}
            onChange={(e) => setIdentity(e.target.value)}
            className="mono"
            placeholder="none: ssh-agent"
          />
        </label>
        <div className="actions">
          <button type="submit" disabled={run.isPending || !config.trim()}>
            Preview (dry run)
          </button>
          <button
            type="button"
            className="primary"
            disabled={run.isPending || !result?.dry_run || result.would_create.length === 0}
            onClick={() => run.mutate(false)}
          >
            Import
          </button>
        </div>
      </form>
      <ErrorNote error={run.error} />
      {result && (
        <div className="card" role="status">
          {result.dry_run ? (
            <p>Would add: {result.would_create.map((d) => d.hostname).join(', ') || 'nothing'}</p>
          ) : (
            <p>Added: {result.created.map((d) => d.hostname).join(', ') || 'nothing'}</p>
          )}
          {result.existing.length > 0 && <p className="muted">Already there: {result.existing.join(', ')}</p>}
          {result.skipped.length > 0 && (
            <ul className="muted small">
              {result.skipped.map((s) => (
                <li key={s.host}>
                  skipped {s.host}: {s.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </>
  );
}
