import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { ContainerInfo, ContainersData } from '../../../../domain/collectors/containers.ts';
import { api, ApiError, unwrap } from '../../api/client.ts';
import { DataPanel, Unavailable } from '../../components/device-data.tsx';
import { Badge, ErrorNote, Loading, type Tone } from '../../components/ui.tsx';
import { bytes, percent } from '../../format.ts';
import { useSession } from '../../session.tsx';

type ChangingAction = 'start' | 'stop' | 'restart' | 'remove';
const STATE_TONES: Record<string, Tone> = {
  running: 'ok',
  restarting: 'warn',
  paused: 'warn',
  exited: 'muted',
  created: 'muted',
  dead: 'bad',
  removing: 'warn',
};

/**
 * Containers with their state, health, restarts and use; start, stop, restart and logs. Several at once
 * or a removal are held for a person's phrase: the 409 leads to the operation's page.
 */
export function ContainersTab({ hostname }: { hostname: string }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [selected, setSelected] = useState<string[]>([]);
  const [logsOf, setLogsOf] = useState<string | null>(null);
  const act = useMutation({
    mutationFn: ({ action, containers }: { action: ChangingAction; containers: string[] }) =>
      unwrap(
        api.POST('/api/devices/{hostname}/containers/actions', {
          params: { path: { hostname } },
          body: { action, containers },
        }),
      ),
    onSuccess: () => setSelected([]),
    onError: (err) => {
      if (err instanceof ApiError && err.heldOperationId) void navigate(`/operations/${err.heldOperationId}`);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['device', hostname, 'data', 'containers'] }),
  });
  const operate = can('operate');
  const toggle = (name: string) => setSelected((s) => (s.includes(name) ? s.filter((n) => n !== name) : [...s, name]));

  return (
    <DataPanel<ContainersData> hostname={hostname} dataType="containers" title="Containers">
      {(d) =>
        !d.docker_available ? (
          <Unavailable reason="Docker is not installed on this device, or not reachable for its user." />
        ) : (
          <>
            <p className="muted">
              {d.summary.running} running of {d.summary.total}
              {d.summary.unhealthy > 0 && `, ${d.summary.unhealthy} unhealthy`}
              {d.summary.restarting > 0 && `, ${d.summary.restarting} restarting`}
              {d.docker_version && ` · Docker ${d.docker_version}`}
            </p>
            {operate && (
              <div className="actions bulk" role="group" aria-label="Selected containers">
                <span className="muted small">{selected.length} selected:</span>
                {(['start', 'stop', 'restart', 'remove'] as const).map((action) => (
                  <button
                    key={action}
                    type="button"
                    disabled={selected.length === 0 || act.isPending}
                    className={action === 'remove' ? 'danger' : undefined}
                    onClick={() => act.mutate({ action, containers: selected })}
                  >
                    {action}
                  </button>
                ))}
                <span className="muted small">Several at once, or a removal, wait for a person to confirm.</span>
              </div>
            )}
            <ErrorNote error={act.error instanceof ApiError && act.error.heldOperationId ? null : act.error} />
            <div className="table-scroll">
              <table className="responsive">
                <thead>
                  <tr>
                    {operate && (
                      <th scope="col">
                        <span className="visually-hidden">Select</span>
                      </th>
                    )}
                    <th scope="col">Name</th>
                    <th scope="col">State</th>
                    <th scope="col">Health</th>
                    <th scope="col" className="numeric">
                      Restarts
                    </th>
                    <th scope="col" className="numeric">
                      CPU
                    </th>
                    <th scope="col" className="numeric">
                      Memory
                    </th>
                    <th scope="col">Image</th>
                    {operate && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {d.containers.map((c) => (
                    <ContainerRow
                      key={c.id}
                      container={c}
                      operate={operate}
                      selected={selected.includes(c.name)}
                      busy={act.isPending}
                      onToggle={() => toggle(c.name)}
                      onAction={(action) => act.mutate({ action, containers: [c.name] })}
                      onLogs={() => setLogsOf(c.name)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
            {logsOf && <ContainerLogs hostname={hostname} name={logsOf} onClose={() => setLogsOf(null)} />}
          </>
        )
      }
    </DataPanel>
  );
}

function ContainerRow(props: {
  container: ContainerInfo;
  operate: boolean;
  selected: boolean;
  busy: boolean;
  onToggle(): void;
  onAction(action: ChangingAction): void;
  onLogs(): void;
}) {
  const c = props.container;
  const running = c.state === 'running';
  return (
    <tr>
      {props.operate && (
        <td data-label="Select">
          <input type="checkbox" checked={props.selected} onChange={props.onToggle} aria-label={`select ${c.name}`} />
        </td>
      )}
      <th scope="row" data-label="Name">
        {c.name}
        {c.compose_project && <span className="muted small"> {c.compose_project}</span>}
      </th>
      <td data-label="State">
        <Badge tone={STATE_TONES[c.state] ?? 'muted'}>{c.state}</Badge>
        <span className="muted small">{c.status}</span>
      </td>
      <td data-label="Health">
        {c.health ? (
          <Badge tone={c.health === 'healthy' ? 'ok' : c.health === 'unhealthy' ? 'bad' : 'warn'}>{c.health}</Badge>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-label="Restarts" className="numeric">
        {c.restart_count}
      </td>
      <td data-label="CPU" className="numeric">
        {c.stats ? percent(c.stats.cpu_percent) : '—'}
      </td>
      <td data-label="Memory" className="numeric">
        {c.stats ? `${bytes(c.stats.memory_usage_bytes)} (${percent(c.stats.memory_percent)})` : '—'}
      </td>
      <td data-label="Image" className="mono small">
        {c.image}
      </td>
      {props.operate && (
        <td data-label="Actions">
          <div className="actions">
            {running ? (
              <>
                <button
                  type="button"
                  disabled={props.busy}
                  onClick={() => props.onAction('stop')}
                  aria-label={`stop ${c.name}`}
                >
                  stop
                </button>
                <button
                  type="button"
                  disabled={props.busy}
                  onClick={() => props.onAction('restart')}
                  aria-label={`restart ${c.name}`}
                >
                  restart
                </button>
              </>
            ) : (
              <button
                type="button"
                disabled={props.busy}
                onClick={() => props.onAction('start')}
                aria-label={`start ${c.name}`}
              >
                start
              </button>
            )}
            <button type="button" onClick={props.onLogs} aria-label={`logs of ${c.name}`}>
              logs
            </button>
          </div>
        </td>
      )}
    </tr>
  );
}

/** The newest lines of one container's log (bounded by the API: --tail, 256 KiB), loaded when opened. */
function ContainerLogs({ hostname, name, onClose }: { hostname: string; name: string; onClose(): void }) {
  const [tail, setTail] = useState(200);
  const logs = useQuery({
    queryKey: ['device', hostname, 'logs', name, tail],
    queryFn: () =>
      unwrap(
        api.GET('/api/devices/{hostname}/containers/{name}/logs', {
          params: { path: { hostname, name }, query: { tail } },
        }),
      ),
  });
  return (
    <section className="card" aria-label={`logs of ${name}`}>
      <div className="page-head">
        <h3>Logs of {name}</h3>
        <div className="actions">
          <label>
            Lines{' '}
            <select value={tail} onChange={(e) => setTail(Number(e.target.value))}>
              {[100, 200, 1000, 5000].map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => void logs.refetch()} disabled={logs.isFetching}>
            Reload
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      <ErrorNote error={logs.error} />
      {logs.isPending ? (
        <Loading what="the logs" />
      ) : (
        logs.data && (
          // The newest lines are at the end: show them first.
          <pre className="logs" ref={(el) => el?.scrollTo({ top: el.scrollHeight })}>
            {logs.data.stdout || '(no lines)'}
          </pre>
        )
      )}
    </section>
  );
}
