import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { StackDetail, StackOperationView, StackSummary } from '../../../../schema/stack.ts';
import { api, ApiError, unwrap } from '../../api/client.ts';
import { Badge, Empty, ErrorNote, Field, Loading, RiskBadge, type Tone } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';

const STATE_TONES: Record<string, Tone> = {
  running: 'ok',
  partial: 'warn',
  stopped: 'bad',
  not_deployed: 'muted',
  exited: 'bad',
  restarting: 'warn',
  paused: 'warn',
};
const PHASE_TONES: Record<string, Tone> = {
  completed: 'ok',
  reverted: 'bad',
  failed: 'bad',
  refused: 'bad',
  cancelled: 'muted',
};
const PATH_ACTIONS = ['pull', 'restart', 'down', 'remove'] as const;
type PathAction = (typeof PATH_ACTIONS)[number];

/** What a stack change answered: its view, the held operation a person releases, or the API's refusal. */
interface StackAnswer {
  what: string;
  view: StackOperationView | null;
  heldOperationId: string | null;
  /** The API's answer when no workflow view came back: refused (4xx, nothing changed) or failed. */
  refusal: { outcome: 'refused' | 'failed'; message: string } | null;
}

/** 200/201 carry the view; a 409 held carries it beside the operation, a 502 (undone) in the error's details; a 4xx is a refusal: nothing changed. */
function answerOf(what: string, result: unknown): StackAnswer {
  if (!(result instanceof ApiError))
    return { what, view: (result as { stack: StackOperationView }).stack, heldOperationId: null, refusal: null };
  const body = result.body as {
    stack?: StackOperationView;
    error?: { details?: { stack?: StackOperationView } };
  } | null;
  const view = body?.stack ?? body?.error?.details?.stack ?? null;
  const held = result.heldOperationId;
  const refused = result.status < 500;
  return {
    what,
    view,
    heldOperationId: held,
    refusal:
      held || (!refused && view)
        ? null
        : { outcome: refused ? 'refused' : 'failed', message: `${result.message} (${result.code})` },
  };
}

/** An image id as people compare them: the first 12 hex digits. */
const shortId = (id: string | null) => (id ? id.replace(/^sha256:/, '').slice(0, 12) : '—');

/**
 * The device's compose stacks: each service's image, the image id it runs, its containers and ports.
 * Deploy, update, pull and restart run as workflows that wait for the services and put things back
 * when they do not come up; down and remove are held for a person's phrase.
 */
export function StacksTab({ hostname }: { hostname: string }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const shown = params.get('stack');
  const list = useQuery({
    queryKey: ['device', hostname, 'stacks', 'list'],
    // Read live: a stack changes under the console's eyes (and a collected list would miss a deploy just made).
    queryFn: () =>
      unwrap(
        api.GET('/api/devices/{hostname}/stacks', { params: { path: { hostname }, query: { force_refresh: 'true' } } }),
      ),
  });
  const [answer, setAnswer] = useState<StackAnswer | null>(null);
  const settled = () => void queryClient.invalidateQueries({ queryKey: ['device', hostname, 'stacks'] });
  const act = useMutation({
    mutationFn: ({ name, action }: { name: string; action: PathAction }) =>
      unwrap(
        api.POST('/api/devices/{hostname}/stacks/{name}/{action}', {
          params: { path: { hostname, name, action } },
          body: {},
        }),
      ),
    onMutate: () => setAnswer(null),
    onSuccess: (done, { name, action }) => setAnswer(answerOf(`${action} ${name}`, done)),
    onError: (err, { name, action }) => setAnswer(answerOf(`${action} ${name}`, err)),
    onSettled: settled,
  });
  const operate = can('operate');
  const show = (name: string | null) =>
    setParams(
      (p) => {
        if (name) p.set('stack', name);
        else p.delete('stack');
        return p;
      },
      { replace: true },
    );

  return (
    <section aria-labelledby="stacks-title">
      <div className="page-head">
        <h2 id="stacks-title">Compose stacks</h2>
        <div className="actions">
          <button type="button" onClick={settled} disabled={list.isFetching}>
            {list.isFetching ? 'Reading…' : 'Read again'}
          </button>
        </div>
      </div>
      <ErrorNote error={list.error} />
      {list.isPending ? (
        <Loading what="the stacks" />
      ) : list.data && list.data.stacks.length === 0 ? (
        <Empty>No compose stack on {hostname}.</Empty>
      ) : list.data ? (
        <div className="table-scroll">
          <table className="responsive" aria-label="Stacks">
            <thead>
              <tr>
                <th scope="col">Stack</th>
                <th scope="col">State</th>
                <th scope="col">Services</th>
                {operate && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {(list.data.stacks as StackSummary[]).map((s) => (
                <tr key={s.name}>
                  <th scope="row" data-label="Stack">
                    <button type="button" className="link" onClick={() => show(s.name)} aria-label={`show ${s.name}`}>
                      {s.name}
                    </button>
                  </th>
                  <td data-label="State">
                    <Badge tone={STATE_TONES[s.state] ?? 'muted'}>{s.state.replace(/_/g, ' ')}</Badge>
                  </td>
                  <td data-label="Services">
                    <ServiceList stack={s} />
                  </td>
                  {operate && (
                    <td data-label="Actions">
                      {PATH_ACTIONS.map((action) => (
                        <button
                          key={action}
                          type="button"
                          className={action === 'down' || action === 'remove' ? 'danger' : undefined}
                          disabled={act.isPending}
                          onClick={() => act.mutate({ name: s.name, action })}
                          aria-label={`${action} ${s.name}`}
                        >
                          {act.isPending && act.variables.name === s.name && act.variables.action === action
                            ? `${action}…`
                            : action}
                        </button>
                      ))}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {answer && <StackOutcome answer={answer} />}
      {shown && (
        <StackDetails
          hostname={hostname}
          name={shown}
          operate={operate}
          onClose={() => show(null)}
          onAnswer={setAnswer}
          onSettled={settled}
        />
      )}
      {operate && <DeployForm hostname={hostname} onAnswer={setAnswer} onSettled={settled} onDeployed={show} />}
    </section>
  );
}

function ServiceList({ stack }: { stack: StackSummary }) {
  if (stack.services.length === 0) return <span className="muted">no service</span>;
  return (
    <ul className="services" aria-label={`services of ${stack.name}`}>
      {stack.services.map((svc) => (
        <li key={svc.name}>
          <strong>{svc.name}</strong> <span className="mono">{svc.image ?? '—'}</span>{' '}
          <span className="mono muted small" title={svc.image_id ?? undefined}>
            {shortId(svc.image_id)}
          </span>{' '}
          {svc.containers.map((c) => (
            <Badge key={c.name} tone={c.health === 'unhealthy' ? 'bad' : (STATE_TONES[c.state] ?? 'muted')}>
              {c.health ? `${c.state} (${c.health})` : c.state}
            </Badge>
          ))}{' '}
          {svc.ports.length > 0 && <span className="mono small">{svc.ports.join(', ')}</span>}
        </li>
      ))}
    </ul>
  );
}

/** One stack's file (as the config history has it, secrets redacted), its env files' keys and digests, and a tag change per service. */
function StackDetails({
  hostname,
  name,
  operate,
  onClose,
  onAnswer,
  onSettled,
}: {
  hostname: string;
  name: string;
  operate: boolean;
  onClose(): void;
  onAnswer(a: StackAnswer | null): void;
  onSettled(): void;
}) {
  const detail = useQuery({
    queryKey: ['device', hostname, 'stacks', 'detail', name],
    queryFn: () => unwrap(api.GET('/api/devices/{hostname}/stacks/{name}', { params: { path: { hostname, name } } })),
  });
  const stack = detail.data?.stack as StackDetail | undefined;
  return (
    <article className="card" aria-labelledby="stack-detail-title">
      <div className="page-head">
        <h3 id="stack-detail-title">Stack {name}</h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorNote error={detail.error} />
      {detail.isPending ? (
        <Loading what={`stack ${name}`} />
      ) : stack ? (
        <>
          <h4>Compose file</h4>
          {stack.file ? (
            <>
              <p className="mono small">{stack.file.path}</p>
              {stack.file.content === null ? (
                <Empty>The file could not be read.</Empty>
              ) : (
                <pre aria-label="compose file">{stack.file.content}</pre>
              )}
            </>
          ) : (
            <Empty>No compose file known for {name}.</Empty>
          )}
          <h4>Env files</h4>
          {stack.env_files.length === 0 ? (
            <Empty>None.</Empty>
          ) : (
            <ul aria-label="env files">
              {stack.env_files.map((f) => (
                <li key={f.path}>
                  <span className="mono">{f.path}</span>: {f.keys.join(', ') || 'no keys'}{' '}
                  <span className="muted small">(values are never read)</span>
                </li>
              ))}
            </ul>
          )}
          {Object.keys(stack.digests).length > 0 && (
            <>
              <h4>Image digests</h4>
              <dl className="facts">
                {Object.entries(stack.digests).map(([id, digests]) => (
                  <div key={id}>
                    <dt className="mono">{shortId(id)}</dt>
                    <dd className="mono small">{digests.join(' ') || '—'}</dd>
                  </div>
                ))}
              </dl>
            </>
          )}
          {operate && stack.services.length > 0 && (
            <TagForm hostname={hostname} stack={stack} onAnswer={onAnswer} onSettled={onSettled} />
          )}
        </>
      ) : null}
    </article>
  );
}

/** A new tag for one service's image, sent as a structured patch: the API checks the tag and the workflow reverts a tag that does not come up. */
function TagForm({
  hostname,
  stack,
  onAnswer,
  onSettled,
}: {
  hostname: string;
  stack: StackDetail;
  onAnswer(a: StackAnswer | null): void;
  onSettled(): void;
}) {
  const [service, setService] = useState(stack.services[0]!.name);
  const [tag, setTag] = useState('');
  const update = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/api/devices/{hostname}/stacks/{name}', {
          params: { path: { hostname, name: stack.name } },
          body: { patch: { services: { [service]: { tag: tag.trim() } } } },
        }),
      ),
    onMutate: () => onAnswer(null),
    onSuccess: (done) => {
      onAnswer(answerOf(`update ${stack.name}`, done));
      setTag('');
    },
    onError: (err) => onAnswer(answerOf(`update ${stack.name}`, err)),
    onSettled,
  });
  const errors = update.error instanceof ApiError ? update.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate();
  };
  return (
    <form className="fields" onSubmit={submit} aria-label={`Change an image tag of ${stack.name}`} noValidate>
      <Field label="Service" error={undefined}>
        <select value={service} onChange={(e) => setService(e.target.value)}>
          {stack.services.map((s) => (
            <option key={s.name}>{s.name}</option>
          ))}
        </select>
      </Field>
      <Field label="New tag" error={errors[`patch.services.${service}.tag`]}>
        <input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="v1.2.3" className="mono" />
      </Field>
      <button type="submit" className="primary" disabled={update.isPending}>
        {update.isPending ? 'Updating…' : 'Update tag'}
      </button>
    </form>
  );
}

/** A new stack from a pasted compose file; the API judges the name and the file (its 400 names them). */
function DeployForm({
  hostname,
  onAnswer,
  onSettled,
  onDeployed,
}: {
  hostname: string;
  onAnswer(a: StackAnswer | null): void;
  onSettled(): void;
  onDeployed(name: string): void;
}) {
  const [name, setName] = useState('');
  const [compose, setCompose] = useState('');
  const deploy = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/devices/{hostname}/stacks', {
          params: { path: { hostname } },
          body: { name: name.trim(), compose },
        }),
      ),
    onMutate: () => onAnswer(null),
    onSuccess: (done) => {
      onAnswer(answerOf(`deploy ${name.trim()}`, done));
      onDeployed(name.trim());
      setName('');
      setCompose('');
    },
    onError: (err) => onAnswer(answerOf(`deploy ${name.trim()}`, err)),
    onSettled,
  });
  const errors = deploy.error instanceof ApiError ? deploy.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    deploy.mutate();
  };
  return (
    <>
      <h3>Deploy a stack</h3>
      <form className="stack card" onSubmit={submit} aria-label="Deploy a stack" noValidate>
        <Field label="Name" error={errors.name}>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="whoami" />
        </Field>
        <Field label="Compose file" error={errors.compose}>
          <textarea
            value={compose}
            onChange={(e) => setCompose(e.target.value)}
            rows={12}
            className="mono"
            placeholder={'services:\n  web:\n    image: …'}
          />
        </Field>
        <button type="submit" className="primary" disabled={deploy.isPending}>
          {deploy.isPending ? 'Deploying…' : 'Deploy'}
        </button>
      </form>
    </>
  );
}

/** What a change did: held (and where a person releases it), refused (the API's words), or the workflow's phase with each service's readiness. */
function StackOutcome({ answer }: { answer: StackAnswer }) {
  const { what, view, heldOperationId, refusal } = answer;
  return (
    <article className={heldOperationId ? 'card held' : 'card'} aria-label="Outcome of the stack change" role="status">
      {heldOperationId ? (
        <p>
          {what} waits for a person to type its phrase:{' '}
          <Link to={`/operations/${heldOperationId}`}>open the held operation</Link>.
        </p>
      ) : refusal ? (
        <>
          <h3>
            {what}: <Badge tone="bad">{refusal.outcome}</Badge>
          </h3>
          <p className="error">{refusal.message}</p>
        </>
      ) : (
        view && (
          <>
            <h3>
              {what}: <Badge tone={PHASE_TONES[view.phase] ?? 'info'}>{view.phase}</Badge>
            </h3>
            {view.error && <p className="error">{view.error.message}</p>}
            {view.impact && (
              <p>
                <RiskBadge level={view.impact.risk_level} /> {view.impact.reasons.join('; ')}
              </p>
            )}
            {view.services.length > 0 && (
              <ul aria-label="services after the change">
                {view.services.map((s) => (
                  <li key={s.service}>
                    <Badge tone={s.ok ? 'ok' : 'bad'}>{s.ok ? 'up' : 'not up'}</Badge> {s.service}{' '}
                    {s.detail && <span className="muted">{s.detail}</span>}
                  </li>
                ))}
              </ul>
            )}
            {view.digests && (
              <dl className="facts">
                {Object.entries(view.digests.after).map(([svc, after]) => (
                  <div key={svc}>
                    <dt>{svc}</dt>
                    <dd className="mono small">
                      {view.digests!.before[svc] === after ? after : `${view.digests!.before[svc] ?? '—'} → ${after}`}
                    </dd>
                  </div>
                ))}
              </dl>
            )}
            {view.error?.logs && (
              <>
                <h4>Logs of the failing service</h4>
                <pre className="logs">{view.error.logs}</pre>
              </>
            )}
            {view.diff && <pre className="diff">{view.diff.text}</pre>}
          </>
        )
      )}
    </article>
  );
}
