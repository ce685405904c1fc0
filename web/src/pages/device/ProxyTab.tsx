import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { ProxyConfRequest, ProxyConfView } from '../../../../schema/proxy-conf.ts';
import { api, ApiError, unwrap } from '../../api/client.ts';
import { Insights } from '../../components/device-data.tsx';
import { Age, Badge, Empty, ErrorNote, Field, Loading, type Tone } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';

const UPSTREAM_TONES: Record<string, Tone> = {
  running: 'ok',
  not_running: 'bad',
  missing: 'bad',
  not_a_container: 'muted',
};
const PHASE_TONES: Record<string, Tone> = {
  completed: 'ok',
  reverted: 'bad',
  failed: 'bad',
  abandoned: 'muted',
  awaiting_confirmation: 'warn',
};
const AUTH_CHOICES = ['none', 'authelia', 'authentik'] as const satisfies ReadonlyArray<ProxyConfRequest['auth']>;

/** What a change request answered: its view, and the held operation a person releases when it replaces or removes. */
interface ChangeAnswer {
  view: ProxyConfView | null;
  heldOperationId: string | null;
}

/** 200 carries the view; a 409 held or a 502 (undone) carry it too, beside the operation or the error. */
function changeAnswerOf(err: unknown): ChangeAnswer | null {
  if (!(err instanceof ApiError)) return null;
  const body = err.body as { proxy_conf?: ProxyConfView; error?: { details?: { proxy_conf?: ProxyConfView } } } | null;
  const view = body?.proxy_conf ?? body?.error?.details?.proxy_conf ?? null;
  return view || err.heldOperationId ? { view, heldOperationId: err.heldOperationId } : null;
}

/**
 * The device's reverse-proxy confs (SWAG / nginx), read live: what each serves, where it proxies and
 * whether that container runs. New confs are written, checked by nginx, reloaded and asked; replacing
 * or removing one is held for a person's phrase, and every change's outcome is listed from the audit.
 */
export function ProxyTab({ hostname }: { hostname: string }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const confDir = params.get('conf_dir') ?? '';
  const location = confDir ? { conf_dir: confDir } : {};
  const key = ['device', hostname, 'proxy', confDir];
  const list = useQuery({
    queryKey: key,
    queryFn: () =>
      unwrap(api.GET('/api/devices/{hostname}/proxy-confs', { params: { path: { hostname }, query: location } })),
  });
  const [answer, setAnswer] = useState<ChangeAnswer | null>(null);
  const settled = () => void queryClient.invalidateQueries({ queryKey: ['device', hostname, 'proxy'] });
  const remove = useMutation({
    mutationFn: (file: string) =>
      unwrap(
        api.DELETE('/api/devices/{hostname}/proxy-confs/{file}', {
          params: { path: { hostname, file }, query: location },
        }),
      ),
    onMutate: () => setAnswer(null),
    onSuccess: (done) => setAnswer({ view: done.proxy_conf as ProxyConfView, heldOperationId: null }),
    onError: (err) => setAnswer(changeAnswerOf(err)),
    onSettled: settled,
  });
  const operate = can('operate');

  return (
    <section aria-labelledby="proxy-title">
      <div className="page-head">
        <h2 id="proxy-title">Reverse proxy</h2>
        <div className="actions">
          {list.data && (
            <span className="muted small" role="status">
              {list.data.proxy.mode === 'container'
                ? `nginx in container ${list.data.proxy.container}`
                : 'nginx on the host'}{' '}
              · <span className="mono">{list.data.proxy.conf_dir}</span>
            </span>
          )}
          <button type="button" onClick={() => void list.refetch()} disabled={list.isFetching}>
            {list.isFetching ? 'Reading…' : 'Read again'}
          </button>
        </div>
      </div>
      <ConfDirForm
        current={confDir}
        onChange={(dir) =>
          setParams(
            (p) => {
              if (dir) p.set('conf_dir', dir);
              else p.delete('conf_dir');
              return p;
            },
            { replace: true },
          )
        }
      />
      <ErrorNote error={list.error} />
      {list.isPending ? (
        <Loading what="the proxy confs" />
      ) : list.data ? (
        <>
          <Insights insights={list.data.insights} />
          {list.data.confs.length === 0 ? (
            <Empty>No conf in {list.data.proxy.conf_dir}.</Empty>
          ) : (
            <div className="table-scroll">
              <table className="responsive">
                <thead>
                  <tr>
                    <th scope="col">Conf</th>
                    <th scope="col">Serves</th>
                    <th scope="col">Upstream</th>
                    <th scope="col">Auth</th>
                    {operate && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {list.data.confs.map((c) => (
                    <tr key={c.file}>
                      <th scope="row" data-label="Conf">
                        {c.file}
                        {c.parse_error && <span className="error small"> {c.parse_error}</span>}
                      </th>
                      <td data-label="Serves">{[...c.server_names, ...c.locations].join(' ') || '—'}</td>
                      <td data-label="Upstream">
                        {c.upstreams.length === 0
                          ? '—'
                          : c.upstreams.map((u) => (
                              <span key={u.url} className="upstream">
                                <span className="mono">
                                  {u.app ?? u.url}
                                  {u.port !== null && `:${u.port}`}
                                </span>{' '}
                                <Badge tone={UPSTREAM_TONES[u.state] ?? 'muted'}>
                                  {u.state === 'not_running'
                                    ? `not running (${u.container_state})`
                                    : u.state.replace(/_/g, ' ')}
                                </Badge>
                              </span>
                            ))}
                      </td>
                      <td data-label="Auth">{c.auth.join(', ') || 'none'}</td>
                      {operate && (
                        <td data-label="Actions">
                          <button
                            type="button"
                            className="danger"
                            disabled={remove.isPending}
                            onClick={() => remove.mutate(c.file)}
                            aria-label={`remove ${c.file}`}
                          >
                            remove
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {list.data.containers_collected_at && (
            <p className="muted small">
              Upstreams looked up among the containers collected <Age time={list.data.containers_collected_at} />.
            </p>
          )}
        </>
      ) : null}
      <ErrorNote error={remove.error && !changeAnswerOf(remove.error) ? remove.error : null} />
      {answer && <ChangeOutcome answer={answer} />}
      {operate && <CreateConfForm hostname={hostname} confDir={confDir} onAnswer={setAnswer} onSettled={settled} />}
      <RecentChanges hostname={hostname} />
    </section>
  );
}

function ConfDirForm({ current, onChange }: { current: string; onChange(dir: string): void }) {
  const [dir, setDir] = useState(current);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange(dir.trim());
  };
  return (
    <form className="actions" onSubmit={submit} aria-label="Where the confs are">
      <label>
        Conf directory{' '}
        <input
          value={dir}
          onChange={(e) => setDir(e.target.value)}
          placeholder="found on the device"
          className="mono"
        />
      </label>
      <button type="submit">Look there</button>
    </form>
  );
}

interface ConfFields {
  name: string;
  kind: 'subdomain' | 'subfolder';
  where: string;
  container: string;
  port: string;
  proto: 'http' | 'https';
  auth: ProxyConfRequest['auth'];
  websocket: boolean;
}
const EMPTY: ConfFields = {
  name: '',
  kind: 'subdomain',
  where: '',
  container: '',
  port: '',
  proto: 'http',
  auth: 'none',
  websocket: false,
};

/** A new SWAG conf; the API judges every field (its 400 names them) so the form keeps no rules of its own. */
function CreateConfForm({
  hostname,
  confDir,
  onAnswer,
  onSettled,
}: {
  hostname: string;
  confDir: string;
  onAnswer(a: ChangeAnswer | null): void;
  onSettled(): void;
}) {
  const [f, setF] = useState(EMPTY);
  const set = <K extends keyof ConfFields>(k: K, v: ConfFields[K]) => setF((old) => ({ ...old, [k]: v }));
  const create = useMutation({
    mutationFn: () => {
      const where = f.where.trim();
      const body = {
        name: f.name.trim(),
        kind: f.kind,
        ...(where && (f.kind === 'subdomain' ? { subdomain: where } : { path: where })),
        upstream_app: f.container.trim(),
        // An empty or non-numeric port goes as it is: the API's answer names the field.
        upstream_port: (f.port.trim() === '' ? undefined : Number(f.port)) as number,
        upstream_proto: f.proto,
        auth: f.auth,
        websocket: f.websocket,
        ...(confDir && { conf_dir: confDir }),
      };
      return unwrap(api.POST('/api/devices/{hostname}/proxy-confs', { params: { path: { hostname } }, body }));
    },
    onMutate: () => onAnswer(null),
    onSuccess: (done) => {
      onAnswer({ view: done.proxy_conf as ProxyConfView, heldOperationId: null });
      setF(EMPTY);
    },
    onError: (err) => onAnswer(changeAnswerOf(err)),
    onSettled,
  });
  const errors = create.error instanceof ApiError ? create.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const shownError =
    create.error && Object.keys(errors).length === 0 && !changeAnswerOf(create.error) ? create.error : null;
  return (
    <>
      <h3>New conf</h3>
      <form className="fields card" onSubmit={submit} aria-label="New proxy conf" noValidate>
        <Field label="App name" error={errors.name}>
          <input value={f.name} onChange={(e) => set('name', e.target.value)} placeholder="grafana" />
        </Field>
        <Field label="Kind" error={errors.kind}>
          <select value={f.kind} onChange={(e) => set('kind', e.target.value as ConfFields['kind'])}>
            <option value="subdomain">subdomain</option>
            <option value="subfolder">subfolder</option>
          </select>
        </Field>
        {f.kind === 'subdomain' ? (
          <Field label="Subdomain" error={errors.subdomain}>
            <input value={f.where} onChange={(e) => set('where', e.target.value)} placeholder="the app name" />
          </Field>
        ) : (
          <Field label="Path" error={errors.path}>
            <input
              value={f.where}
              onChange={(e) => set('where', e.target.value)}
              placeholder="/the-app-name/"
              className="mono"
            />
          </Field>
        )}
        <Field label="Container" error={errors.upstream_app}>
          <input value={f.container} onChange={(e) => set('container', e.target.value)} placeholder="grafana" />
        </Field>
        <Field label="Port" error={errors.upstream_port}>
          <input
            inputMode="numeric"
            value={f.port}
            onChange={(e) => set('port', e.target.value)}
            placeholder="3000"
            className="narrow"
          />
        </Field>
        <Field label="Protocol" error={errors.upstream_proto}>
          <select value={f.proto} onChange={(e) => set('proto', e.target.value as ConfFields['proto'])}>
            <option>http</option>
            <option>https</option>
          </select>
        </Field>
        <Field label="Auth" error={errors.auth}>
          <select value={f.auth} onChange={(e) => set('auth', e.target.value as ConfFields['auth'])}>
            {AUTH_CHOICES.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </Field>
        <label>
          <input type="checkbox" checked={f.websocket} onChange={(e) => set('websocket', e.target.checked)} />{' '}
          WebSockets
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Applying…' : 'Create conf'}
        </button>
      </form>
      <ErrorNote error={shownError} />
    </>
  );
}

/** What a change did: held (and where a person releases it), or each step of the workflow with nginx's words. */
function ChangeOutcome({ answer }: { answer: ChangeAnswer }) {
  const { view, heldOperationId } = answer;
  return (
    <article className={heldOperationId ? 'card held' : 'card'} aria-label="Outcome of the change" role="status">
      {heldOperationId ? (
        <p>
          {view?.action === 'remove' ? 'Removing' : 'Replacing'} {view?.file ?? 'the conf'} waits for a person to type
          its phrase: <Link to={`/operations/${heldOperationId}`}>open the held operation</Link>. Its outcome appears
          under Changes once released.
        </p>
      ) : (
        view && (
          <>
            <h3>
              {view.file}: <Badge tone={PHASE_TONES[view.phase] ?? 'info'}>{view.phase}</Badge>
            </h3>
            {view.error && <p className="error">{view.error.message}</p>}
            {!view.validation && !view.error && <p className="muted">Already so: nothing written, nothing reloaded.</p>}
            <dl className="facts">
              {view.validation && <NginxStep title="Validated" run={view.validation} />}
              {view.reload && <NginxStep title="Reloaded" run={view.reload} />}
              {view.answer && (
                <>
                  <dt>Answered</dt>
                  <dd>
                    <Badge tone={view.answer.answering ? 'ok' : 'bad'}>{view.answer.answering ? 'yes' : 'no'}</Badge>{' '}
                    {view.answer.detail}{' '}
                    <span className="muted small">
                      ({view.answer.url}, Host {view.answer.host})
                    </span>
                  </dd>
                </>
              )}
            </dl>
          </>
        )
      )}
    </article>
  );
}

function NginxStep({ title, run }: { title: string; run: NonNullable<ProxyConfView['validation']> }) {
  return (
    <>
      <dt>{title}</dt>
      <dd>
        <Badge tone={run.ok ? 'ok' : 'bad'}>{run.ok ? 'ok' : 'failed'}</Badge> <code>{run.command}</code>
        {run.output && <pre className="small">{run.output}</pre>}
      </dd>
    </>
  );
}

const CHANGE_ACTIONS = ['proxy_conf_changed', 'proxy_conf_reverted'] as const;

/** The outcome of each change, also of those a person released later: the audit keeps one row per finished change. */
function RecentChanges({ hostname }: { hostname: string }) {
  const answers = useQueries({
    queries: CHANGE_ACTIONS.map((action) => ({
      queryKey: ['audit', 'proxy', hostname, action],
      queryFn: () => unwrap(api.GET('/api/audit', { params: { query: { device: hostname, action, limit: 20 } } })),
    })),
  });
  const error = answers.find((a) => a.error)?.error;
  const rows = answers
    .flatMap((a) => a.data?.entries ?? [])
    .sort((a, b) => b.time.localeCompare(a.time))
    .slice(0, 20);
  return (
    <>
      <h3>Changes</h3>
      <ErrorNote error={error} />
      {answers.some((a) => a.isPending) ? (
        <Loading what="the changes" />
      ) : rows.length === 0 ? (
        <Empty>No conf changed through infrastructor yet.</Empty>
      ) : (
        <ul className="changes" aria-label="Proxy conf changes">
          {rows.map((r) => {
            const d = (r.details ?? {}) as { action?: string; file?: string; phase?: string };
            return (
              <li key={r.id}>
                <Badge tone={PHASE_TONES[d.phase ?? ''] ?? 'muted'}>{d.phase ?? r.action}</Badge> {d.action}{' '}
                <strong>{d.file}</strong> <Age time={r.time} />
                {r.error_message && <pre className="small">{r.error_message}</pre>}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
