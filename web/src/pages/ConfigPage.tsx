import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { changesQuery, ChangeCard } from '../components/config.tsx';
import { Empty, ErrorNote, Loading } from '../components/ui.tsx';

/** Every configuration change across the fleet, newest first, with its meaning, risk and diff; live. */
export default function ConfigPage() {
  const [params, setParams] = useSearchParams();
  const device = params.get('device') ?? '';
  const changes = useQuery(changesQuery(device || undefined));
  return (
    <section>
      <h1>Configuration changes</h1>
      <div className="filters" role="search">
        <label>
          Device{' '}
          <input
            type="search"
            value={device}
            placeholder="every device"
            onChange={(e) =>
              setParams(e.target.value.trim() ? { device: e.target.value.trim() } : {}, { replace: true })
            }
          />
        </label>
      </div>
      <ErrorNote error={changes.error} />
      {changes.isPending ? (
        <Loading what="changes" />
      ) : changes.data?.changes.length ? (
        changes.data.changes.map((c) => <ChangeCard key={c.id} change={c} />)
      ) : (
        <Empty>No configuration change recorded{device && ` on ${device}`}.</Empty>
      )}
    </section>
  );
}
