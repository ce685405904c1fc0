import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import {
  AssessmentSummary,
  ConfirmBox,
  fetchOperation,
  OperationStateBadge,
  PrincipalName,
} from '../components/operations.tsx';
import { Age, Countdown, ErrorNote, Loading } from '../components/ui.tsx';
import { duration } from '../format.ts';

/** One operation: the target of PUBLIC_URL links in held answers and notifications. */
export default function OperationPage() {
  const id = useParams().id!;
  const operation = useQuery({
    queryKey: ['operations', id],
    queryFn: () => fetchOperation(id),
  });
  if (operation.isPending) return <Loading what="the operation" />;
  if (operation.isError) return <ErrorNote error={operation.error} />;
  const op = operation.data;
  const held = op.state === 'awaiting_confirmation';
  return (
    <section>
      <div className="page-head">
        <h1>
          Operation on <Link to={`/devices/${encodeURIComponent(op.device)}`}>{op.device}</Link>
        </h1>
        <OperationStateBadge operation={op} />
      </div>
      <pre className="command-block">{op.command}</pre>
      <dl className="facts">
        <dt>Asked by</dt>
        <dd>
          <PrincipalName who={op.requested_by} /> via {op.trigger}, <Age time={op.created_at} />
        </dd>
        {op.confirmed_by && (
          <>
            <dt>Confirmed by</dt>
            <dd>
              <PrincipalName who={op.confirmed_by} />
            </dd>
          </>
        )}
        {op.cancelled_by && (
          <>
            <dt>Cancelled by</dt>
            <dd>
              <PrincipalName who={op.cancelled_by} />
            </dd>
          </>
        )}
        {held && (
          <>
            <dt>Expires</dt>
            <dd>
              <Countdown until={op.expires_at} /> · {op.attempts_left} attempts left
            </dd>
          </>
        )}
        <dt>Last change</dt>
        <dd>
          <Age time={op.updated_at} />
        </dd>
        <dt>Operation</dt>
        <dd className="mono small">
          {op.operation_id} · workflow {op.workflow_id}
        </dd>
      </dl>
      {held && (
        <div className="card held">
          <h2>Release or cancel</h2>
          <ConfirmBox operation={op} />
        </div>
      )}
      {op.assessment?.destructive && (
        <>
          <h2>Risk assessment</h2>
          <AssessmentSummary assessment={op.assessment} full />
        </>
      )}
      {op.error && (
        <>
          <h2>Error</h2>
          <p className="error">
            {op.error.code}: {op.error.message}
          </p>
        </>
      )}
      {op.result && (
        <>
          <h2>Result</h2>
          <p>
            Exit code <strong>{op.result.exit_code ?? `signal ${op.result.signal}`}</strong> after{' '}
            {op.result.duration_ms < 1000
              ? `${Math.round(op.result.duration_ms)} ms`
              : duration(op.result.duration_ms / 1000)}
          </p>
          <h3>stdout{op.result.stdout_truncated && ' (truncated)'}</h3>
          <pre>{op.result.stdout || '(empty)'}</pre>
          {(op.result.stderr || op.result.stderr_truncated) && (
            <>
              <h3>stderr{op.result.stderr_truncated && ' (truncated)'}</h3>
              <pre>{op.result.stderr}</pre>
            </>
          )}
        </>
      )}
    </section>
  );
}
