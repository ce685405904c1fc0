import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { MetricsData } from '../../../../domain/collectors/metrics.ts';
import { DataPanel, readHistory } from '../../components/device-data.tsx';
import { TimeChart, type ChartSeries } from '../../components/TimeChart.tsx';
import { Age, Empty, ErrorNote, Loading, Meter } from '../../components/ui.tsx';
import { bytes, duration, fixed, percent } from '../../format.ts';

const RANGES = { '1 h': 3600, '24 h': 86_400, '7 d': 7 * 86_400 } as const;
type Range = keyof typeof RANGES;

const formatPercent = (v: number) => percent(v);
const formatLoad = (v: number) => fixed(v);
const formatRate = (v: number) => `${bytes(v)}/s`;

interface Point {
  time: number;
  data: MetricsData;
}

/** Summed rx/tx of every interface but loopback, per second, between consecutive points (null across a counter reset). */
function networkRates(points: Point[]): { rx: Array<number | null>; tx: Array<number | null> } {
  const totals = points.map((p) =>
    p.data.network
      .filter((n) => n.interface !== 'lo')
      .reduce((t, n) => ({ rx: t.rx + n.rx_bytes, tx: t.tx + n.tx_bytes }), { rx: 0, tx: 0 }),
  );
  const rate = (i: number, key: 'rx' | 'tx') => {
    if (i === 0) return null;
    const seconds = points[i]!.time - points[i - 1]!.time;
    const delta = totals[i]![key] - totals[i - 1]![key];
    return seconds > 0 && delta >= 0 ? delta / seconds : null;
  };
  return { rx: points.map((_, i) => rate(i, 'rx')), tx: points.map((_, i) => rate(i, 'tx')) };
}

function charts(points: Point[]) {
  const times = points.map((p) => p.time);
  const mounts = [...new Set(points.flatMap((p) => p.data.filesystems.map((f) => f.mountpoint)))].sort();
  const net = networkRates(points);
  const series = (label: string, pick: (d: MetricsData) => number | null | undefined): ChartSeries => ({
    label,
    values: points.map((p) => pick(p.data) ?? null),
  });
  return {
    times,
    cpu: [
      series('usage', (d) => d.cpu.usage_percent),
      series('iowait', (d) => d.cpu.iowait_percent),
      series('steal', (d) => d.cpu.steal_percent),
    ],
    memory: [
      series('used', (d) => d.memory.used_percent),
      series('swap used', (d) =>
        d.memory.swap_total_bytes > 0 ? (d.memory.swap_used_bytes / d.memory.swap_total_bytes) * 100 : null,
      ),
    ],
    disk: mounts.map((m) => series(m, (d) => d.filesystems.find((f) => f.mountpoint === m)?.used_percent)),
    load: [
      series('1 min', (d) => d.load.load_1),
      series('5 min', (d) => d.load.load_5),
      series('15 min', (d) => d.load.load_15),
    ],
    network: [
      { label: 'received', values: net.rx },
      { label: 'sent', values: net.tx },
    ],
  };
}

/** Host metrics: the newest snapshot, and charts over 1 h, 24 h or 7 d from the stored history. */
export function MetricsTab({ hostname }: { hostname: string }) {
  const [range, setRange] = useState<Range>('1 h');
  const history = useQuery({
    queryKey: ['device', hostname, 'history', 'metrics', range],
    queryFn: () => readHistory(hostname, 'metrics', new Date(Date.now() - RANGES[range] * 1000)),
  });
  const points = useMemo(
    () =>
      (history.data?.series ?? [])
        .filter((p) => p.data)
        .map((p) => ({ time: new Date(p.collected_at).getTime() / 1000, data: p.data as MetricsData })),
    [history.data],
  );
  const chart = useMemo(() => charts(points), [points]);
  const last = history.data?.series.at(-1);

  return (
    <>
      <DataPanel<MetricsData> hostname={hostname} dataType="metrics" title="Metrics">
        {(m) => (
          <div className="grid">
            <dl className="facts card">
              <dt>CPU</dt>
              <dd>
                <Meter label="CPU" value={m.cpu.usage_percent} /> {m.cpu.cores} cores
              </dd>
              <dt>Memory</dt>
              <dd>
                <Meter label="memory" value={m.memory.used_percent} warnAt={85} badAt={95} /> of{' '}
                {bytes(m.memory.total_bytes)}
              </dd>
              <dt>Load</dt>
              <dd className="numeric">
                {fixed(m.load.load_1)} / {fixed(m.load.load_5)} / {fixed(m.load.load_15)}
              </dd>
              <dt>Uptime</dt>
              <dd>{duration(m.uptime_seconds)}</dd>
              <dt>Processes</dt>
              <dd>{m.process_count}</dd>
            </dl>
            <table className="card">
              <caption className="visually-hidden">Filesystems</caption>
              <thead>
                <tr>
                  <th scope="col">Mount</th>
                  <th scope="col">Used</th>
                  <th scope="col" className="numeric">
                    Free
                  </th>
                </tr>
              </thead>
              <tbody>
                {m.filesystems.map((f) => (
                  <tr key={`${f.device}:${f.mountpoint}`}>
                    <th scope="row" title={`${f.device} (${f.fs_type})`}>
                      {f.mountpoint}
                    </th>
                    <td>
                      <Meter label={`${f.mountpoint} used`} value={f.used_percent} warnAt={80} badAt={90} />
                    </td>
                    <td className="numeric">
                      {bytes(f.available_bytes)} of {bytes(f.size_bytes)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </DataPanel>

      <section aria-labelledby="history-title">
        <div className="page-head">
          <h2 id="history-title">History</h2>
          <div className="actions" role="group" aria-label="Time range">
            {(Object.keys(RANGES) as Range[]).map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={range === r}
                className={range === r ? 'primary' : undefined}
                onClick={() => setRange(r)}
              >
                {r}
              </button>
            ))}
          </div>
        </div>
        <ErrorNote error={history.error} />
        {history.isPending ? (
          <Loading what="the history" />
        ) : points.length === 0 ? (
          <Empty>No metrics stored in the last {range}.</Empty>
        ) : (
          <>
            <p className="muted small">
              {points.length} points{history.data?.truncated ? ' (cut at the limit)' : ''}; the newest{' '}
              <Age time={last?.collected_at} />.
            </p>
            <div className="grid charts">
              <TimeChart title="CPU %" times={chart.times} series={chart.cpu} format={formatPercent} yMax={100} />
              <TimeChart title="Memory %" times={chart.times} series={chart.memory} format={formatPercent} yMax={100} />
              <TimeChart
                title="Disk use per mount %"
                times={chart.times}
                series={chart.disk}
                format={formatPercent}
                yMax={100}
              />
              <TimeChart title="Load" times={chart.times} series={chart.load} format={formatLoad} />
              <TimeChart title="Network" times={chart.times} series={chart.network} format={formatRate} />
            </div>
          </>
        )}
      </section>
    </>
  );
}
