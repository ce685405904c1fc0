import { useMutation } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { api, ApiError, unwrap } from '../api/client.ts';
import { useSession } from '../session.tsx';
import { Age, Badge, ErrorNote, RiskBadge } from './ui.tsx';

const fetchChanges = (query: { device?: string; limit: number }) =>
  unwrap(api.GET('/api/config/changes', { params: { query: { ...query, include_diff: 'true' } } }));
export const changesQuery = (device?: string) => ({
  queryKey: ['config', 'changes', device ?? null],
  queryFn: () => fetchChanges({ ...(device && { device }), limit: 100 }),
});
export type ConfigChange = Awaited<ReturnType<typeof fetchChanges>>['changes'][number];

/** A unified diff with its added and removed lines coloured (and marked for screen readers by their +/-). */
export function DiffView({ diff }: { diff: string }) {
  const lines = diff.replace(/\n$/, '').split('\n');
  return (
    <pre className="diff">
      {lines.map((line, i) => {
        const kind =
          line.startsWith('+++') || line.startsWith('---')
            ? 'file'
            : line.startsWith('@@')
              ? 'hunk'
              : line.startsWith('+')
                ? 'add'
                : line.startsWith('-')
                  ? 'del'
                  : 'context';
        return (
          <span key={i} className={`diff-line ${kind}`}>
            {line || ' '}
          </span>
        );
      })}
    </pre>
  );
}

/**
 * Puts a stored version back. Always held for a person's phrase (the API's 409): the button leads to
 * the operation's page, where a confirmer releases it.
 */
export function RollbackButton({ snapshotId, label }: { snapshotId: string; label: string }) {
  const { can } = useSession();
  const navigate = useNavigate();
  const rollback = useMutation({
    mutationFn: () => unwrap(api.POST('/api/config/snapshots/{id}/rollback', { params: { path: { id: snapshotId } } })),
    onError: (err) => {
      if (err instanceof ApiError && err.heldOperationId) void navigate(`/operations/${err.heldOperationId}`);
    },
  });
  if (!can('operate')) return null;
  return (
    <>
      <button type="button" onClick={() => rollback.mutate()} disabled={rollback.isPending}>
        {label}
      </button>
      <ErrorNote error={rollback.error instanceof ApiError && rollback.error.heldOperationId ? null : rollback.error} />
    </>
  );
}

/** One change event: where, when, how risky, what it means (semantic changes), and the diff. */
export function ChangeCard({ change, showDevice = true }: { change: ConfigChange; showDevice?: boolean }) {
  return (
    <article className="card change" aria-label={`${change.change_type} ${change.path} on ${change.hostname}`}>
      <header className="page-head">
        <h3>
          {showDevice && (
            <>
              <Link to={`/devices/${encodeURIComponent(change.hostname)}/config`}>{change.hostname}</Link>:{' '}
            </>
          )}
          <span className="mono">{change.path}</span>
        </h3>
        <span>
          <Badge tone="info">{change.change_type}</Badge>
          <RiskBadge level={change.risk_level} /> <Age time={change.detected_at} />
        </span>
      </header>
      {change.semantic_changes.length > 0 && (
        <ul className="semantic">
          {change.semantic_changes.map((c, i) => (
            <li key={i}>{c.description}</li>
          ))}
        </ul>
      )}
      {change.reasons.length > 0 && <p className="small">Risk: {change.reasons.join('; ')}</p>}
      {(change.affected_services.length > 0 || change.restart_required) && (
        <p className="small">
          {change.affected_services.length > 0 && <>Affects {change.affected_services.join(', ')}. </>}
          {change.restart_required && (
            <>
              Needs a restart
              {change.restart_hint && (
                <>
                  : <code>{change.restart_hint}</code>
                </>
              )}
              .
            </>
          )}
        </p>
      )}
      {change.diff && (
        // A created file's diff is its whole content: folded until asked for.
        <details open={change.change_type !== 'CREATE'}>
          <summary>Diff</summary>
          <DiffView diff={change.diff} />
        </details>
      )}
      {change.previous_snapshot_id && (
        <div className="actions">
          <RollbackButton snapshotId={change.previous_snapshot_id} label="Put the previous version back" />
        </div>
      )}
    </article>
  );
}
