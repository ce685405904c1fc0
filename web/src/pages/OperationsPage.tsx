import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { OPERATION_STATES, type OperationState } from '../../../schema/operation.ts';
import { api, unwrap } from '../api/client.ts';
import { HeldOperationCard, OperationStateBadge, PrincipalName } from '../components/operations.tsx';
import { Age, Empty, ErrorNote, Loading, RiskBadge } from '../components/ui.tsx';

/** The inbox of held operations (a person with the confirm scope releases them here) and the history of all. */
export default function OperationsPage() {
  const inbox = useQuery({
    queryKey: ['operations', 'inbox'],
    queryFn: () =>
      unwrap(api.GET('/api/operations', { params: { query: { state: 'awaiting_confirmation', limit: 500 } } })),
  });
  const [params, setParams] = useSearchParams();
  const state = (params.get('state') ?? '') as OperationState | '';
  const device = params.get('device') ?? '';
  const history = useQuery({
    queryKey: ['operations', 'history', state, device],
    queryFn: () =>
      unwrap(
        api.GET('/api/operations', {
          params: { query: { limit: 200, ...(state && { state }), ...(device && { device }) } },
        }),
      ),
  });
  const setFilter = (name: string, value: string) =>
    setParams(
      (p) => {
        if (value) p.set(name, value);
        else p.delete(name);
        return p;
      },
      { replace: true },
    );

  return (
    <section>
      <h1>Operations</h1>
      <h2>Held for confirmation</h2>
      <ErrorNote error={inbox.error} />
      {inbox.isPending ? (
        <Loading what="held operations" />
      ) : inbox.data?.operations.length ? (
        inbox.data.operations.map((op) => <HeldOperationCard key={op.operation_id} operation={op} />)
      ) : (
        <Empty>Nothing is waiting for a confirmation phrase.</Empty>
      )}

      <h2>History</h2>
      <div className="filters" role="search">
        <label>
          State{' '}
          <select value={state} onChange={(e) => setFilter('state', e.target.value)}>
            <option value="">all</option>
            {OPERATION_STATES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Device{' '}
          <input
            type="search"
            value={device}
            onChange={(e) => setFilter('device', e.target.value.trim())}
            placeholder="hostname"
          />
        </label>
      </div>
      <ErrorNote error={history.error} />
      {history.isPending ? (
        <Loading what="operations" />
      ) : !history.data?.operations.length ? (
        <Empty>No operation matches.</Empty>
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Asked</th>
              <th scope="col">Device</th>
              <th scope="col">Command</th>
              <th scope="col">By</th>
              <th scope="col">Risk</th>
              <th scope="col">State</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {history.data.operations.map((op) => (
              <tr key={op.operation_id}>
                <td data-label="Asked">
                  <Link to={`/operations/${op.operation_id}`}>
                    <Age time={op.created_at} />
                  </Link>
                </td>
                <td data-label="Device">
                  <Link to={`/devices/${encodeURIComponent(op.device)}`}>{op.device}</Link>
                </td>
                <td data-label="Command">
                  <code className="command">{op.command}</code>
                </td>
                <td data-label="By">
                  <PrincipalName who={op.requested_by} />
                </td>
                <td data-label="Risk">
                  {op.assessment ? <RiskBadge level={op.assessment.risk_level} /> : <span className="muted">—</span>}
                </td>
                <td data-label="State">
                  <OperationStateBadge operation={op} />
                </td>
                <td data-label="Outcome">
                  {op.result ? (
                    `exit ${op.result.exit_code ?? op.result.signal ?? '?'}`
                  ) : op.error ? (
                    <span className="error">{op.error.code}</span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
