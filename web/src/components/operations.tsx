import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import type { OperationState } from '../../../schema/operation.ts';
import { api, unwrap } from '../api/client.ts';
import { useSession } from '../session.tsx';
import { Badge, Countdown, ErrorNote, RiskBadge, type Tone } from './ui.tsx';

export const fetchOperation = (id: string) => unwrap(api.GET('/api/operations/{id}', { params: { path: { id } } }));
export type Operation = Awaited<ReturnType<typeof fetchOperation>>;
type Assessment = NonNullable<Operation['assessment']>;

const STATE_TONES: Record<OperationState, Tone> = {
  assessing: 'info',
  awaiting_confirmation: 'warn',
  confirmed: 'info',
  executing: 'info',
  completed: 'ok',
  failed: 'bad',
  cancelled: 'muted',
  expired: 'muted',
  rejected: 'bad',
  blocked: 'bad',
};

export function OperationStateBadge({ operation }: { operation: Pick<Operation, 'state' | 'result'> }) {
  const exit = operation.result?.exit_code;
  // A command that ran and exited non-zero completed, but did not succeed.
  const tone =
    operation.state === 'completed' && exit !== 0 && exit !== undefined
      ? 'warn'
      : (STATE_TONES[operation.state as OperationState] ?? 'muted');
  return (
    <Badge tone={tone}>
      {operation.state === 'awaiting_confirmation' ? 'held' : operation.state.replace(/_/g, ' ')}
    </Badge>
  );
}

export function PrincipalName({ who }: { who: Operation['requested_by'] }) {
  return (
    <span title={who.id}>
      {who.name}
      {who.on_behalf_of && <span className="muted"> (for {who.on_behalf_of})</span>}
    </span>
  );
}

/** What a held command would do: risk, reasons, the items it touches and what to do instead. */
export function AssessmentSummary({ assessment, full = false }: { assessment: Assessment; full?: boolean }) {
  return (
    <div className="assessment">
      <p>
        <RiskBadge level={assessment.risk_level} />
        {assessment.categories.map((c) => (
          <span key={c} className="tag">
            {c}
          </span>
        ))}
      </p>
      <ul className="reasons">
        {assessment.reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      {assessment.affected_items.length > 0 && (
        <>
          <h3>Affected ({assessment.affected_count})</h3>
          <ul className="affected">
            {assessment.affected_items.map((item) => (
              <li key={`${item.kind}:${item.name}`}>
                <span className="muted">{item.kind}</span> <strong>{item.name}</strong>
                {item.critical && <Badge tone="bad">critical</Badge>}
                {item.detail && <span className="muted small"> {item.detail}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {assessment.safer_alternatives.length > 0 && (
        <>
          <h3>Safer alternatives</h3>
          <ul>
            {assessment.safer_alternatives.map((a) => (
              <li key={a}>
                <code>{a}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      {full && (
        <>
          {assessment.safety_warnings.length > 0 && (
            <>
              <h3>Warnings</h3>
              <ul>
                {assessment.safety_warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </>
          )}
          {assessment.safety_checklist.length > 0 && (
            <>
              <h3>Before you confirm</h3>
              <ul>
                {assessment.safety_checklist.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            </>
          )}
          <dl className="facts">
            <dt>Estimated downtime</dt>
            <dd>{assessment.estimated_downtime ?? 'none stated'}</dd>
            <dt>Rollback possible</dt>
            <dd>{assessment.rollback_possible ? 'yes' : 'no'}</dd>
            {assessment.blocked_reason && (
              <>
                <dt>Blocked</dt>
                <dd>{assessment.blocked_reason}</dd>
              </>
            )}
          </dl>
        </>
      )}
    </div>
  );
}

/**
 * Where a person releases a held operation: the phrase (the API answers it only to a principal allowed
 * to release this one), a box to type it, and cancel. Releasing leads to the operation's page and its outcome.
 */
export function ConfirmBox({ operation }: { operation: Operation }) {
  const { can, principal } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const inputId = useId();
  const id = operation.operation_id;
  const detail = useQuery({
    queryKey: ['operations', id],
    queryFn: () => fetchOperation(id),
    enabled: can('confirm'),
  });
  const [typed, setTyped] = useState('');
  const settled = () => queryClient.invalidateQueries({ queryKey: ['operations'] });
  const confirm = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/operations/{id}/confirm', { params: { path: { id } }, body: { phrase: typed } })),
    onSuccess: () => navigate(`/operations/${id}`),
    onSettled: settled,
  });
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/api/operations/{id}/cancel', { params: { path: { id } } })),
    onSettled: settled,
  });
  const mine = operation.requested_by.id === principal.id;
  const phrase = detail.data?.confirmation_phrase;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed === phrase) confirm.mutate();
  };
  const cancelButton = (label: string) => (
    <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
      {label}
    </button>
  );

  if (!can('confirm')) {
    return (
      <div className="confirm-box">
        <p className="muted">A person with the confirm scope, other than the requester, releases this operation.</p>
        {mine && cancelButton('Withdraw my request')}
        <ErrorNote error={cancel.error} />
      </div>
    );
  }
  if (detail.isPending) return <p className="muted">Loading the phrase…</p>;
  if (!phrase) {
    return (
      <div className="confirm-box">
        <p className="muted">
          {mine
            ? 'You asked for this operation: a different person with the confirm scope releases it.'
            : 'This operation is no longer waiting for a phrase.'}
        </p>
        <div className="actions">{cancelButton(mine ? 'Withdraw my request' : 'Cancel it')}</div>
        <ErrorNote error={detail.error ?? cancel.error} />
      </div>
    );
  }
  return (
    <form className="confirm-box" onSubmit={submit} aria-label={`Confirm operation on ${operation.device}`}>
      <label htmlFor={inputId}>
        To run it, type exactly: <code className="phrase">{phrase}</code>
      </label>
      <input
        id={inputId}
        autoComplete="off"
        spellCheck={false}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        aria-invalid={typed.length > 0 && !phrase.startsWith(typed)}
        placeholder="confirmation phrase"
      />
      <div className="actions">
        <button type="submit" className="danger" disabled={typed !== phrase || confirm.isPending}>
          {confirm.isPending ? 'Running…' : 'Confirm and run'}
        </button>
        {cancelButton('Cancel it')}
        <span className="muted small">
          {operation.attempts_left} attempts left · <Countdown until={operation.expires_at} />
        </span>
      </div>
      <ErrorNote error={confirm.error ?? cancel.error} />
    </form>
  );
}

/** One held operation in the inbox: who asked what where, what it would do, and the confirm box. */
export function HeldOperationCard({ operation }: { operation: Operation }) {
  return (
    <article className="card held" aria-labelledby={`held-${operation.operation_id}`}>
      <header className="page-head">
        <h3 id={`held-${operation.operation_id}`}>
          <Link to={`/devices/${encodeURIComponent(operation.device)}`}>{operation.device}</Link>:{' '}
          <code>{operation.command}</code>
        </h3>
        <Countdown until={operation.expires_at} />
      </header>
      <p className="muted small">
        Asked by <PrincipalName who={operation.requested_by} /> via {operation.trigger} ·{' '}
        <Link to={`/operations/${operation.operation_id}`}>details</Link>
      </p>
      {operation.assessment && <AssessmentSummary assessment={operation.assessment} />}
      <ConfirmBox operation={operation} />
    </article>
  );
}
