import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { Age, Badge, Empty, ErrorNote, Loading } from '../components/ui.tsx';
import { dateTime } from '../format.ts';
import { useSession } from '../session.tsx';

type Incident = Awaited<ReturnType<typeof fetchIncidents>>['incidents'][number];
const fetchIncidents = () => unwrap(api.GET('/api/incidents', { params: { query: { limit: 100 } } }));

/** Failed drives and degraded pools, each followed by its disk-replacement runbook. */
export default function IncidentsPage() {
  const incidents = useQuery({ queryKey: ['incidents'], queryFn: fetchIncidents });
  return (
    <section>
      <h1>Incidents</h1>
      <ErrorNote error={incidents.error} />
      {incidents.isPending ? (
        <Loading what="incidents" />
      ) : !incidents.data?.incidents.length ? (
        <Empty>No incident: no drive has failed and no pool has degraded.</Empty>
      ) : (
        incidents.data.incidents.map((i) => <IncidentCard key={i.incident_id} incident={i} />)
      )}
    </section>
  );
}

function IncidentCard({ incident }: { incident: Incident }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [note, setNote] = useState('');
  const replaced = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/incidents/{id}/replaced', {
          params: { path: { id: incident.incident_id } },
          body: note.trim() ? { note: note.trim() } : {},
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['incidents'] }),
  });
  return (
    <article
      className={`card ${incident.state === 'closed' ? '' : 'held'}`}
      aria-label={`${incident.kind} ${incident.subject} on ${incident.device}`}
    >
      <header className="page-head">
        <h3>
          <Link to={`/devices/${encodeURIComponent(incident.device)}`}>{incident.device}</Link>: {incident.subject}
        </h3>
        <span>
          <Badge tone={incident.state === 'closed' ? 'ok' : incident.state === 'rebuilding' ? 'info' : 'bad'}>
            {incident.state.replace(/_/g, ' ')}
          </Badge>{' '}
          opened <Age time={incident.opened_at} />
        </span>
      </header>
      <p>{incident.summary}</p>
      <ol className="versions">
        {incident.timeline.map((e, n) => (
          <li key={n}>
            <span className="muted small">{dateTime(e.at)}</span> <strong>{e.event}</strong> {e.detail}
          </li>
        ))}
      </ol>
      {incident.state === 'awaiting_replacement' && can('operate') && (
        <form
          className="actions"
          onSubmit={(e) => {
            e.preventDefault();
            replaced.mutate();
          }}
        >
          <label>
            Note <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="new serial, what you did" />
          </label>
          <button type="submit" className="primary" disabled={replaced.isPending}>
            The disk was replaced
          </button>
        </form>
      )}
      <ErrorNote error={replaced.error} />
    </article>
  );
}
