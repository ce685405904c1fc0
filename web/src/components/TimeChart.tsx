import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
}

/** Mid-tone colours that read on the light and the dark background alike. */
const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#a3a3a3'];
const HEIGHT = 180;

interface Stats {
  min: number;
  max: number;
  avg: number;
  last: number | null;
}
function stats(values: Array<number | null>): Stats | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return null;
  return {
    min: Math.min(...present),
    max: Math.max(...present),
    avg: present.reduce((a, b) => a + b, 0) / present.length,
    last: values.at(-1) ?? null,
  };
}

/**
 * A time series (uPlot on a canvas) with a legend table of min, max, average and last value per series,
 * which is also what a screen reader gets: the canvas itself is one labelled image.
 */
export function TimeChart({
  title,
  times,
  series,
  format,
  yMax,
}: {
  title: string;
  times: number[];
  series: ChartSeries[];
  format: (v: number) => string;
  yMax?: number;
}) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = holder.current;
    if (!el || times.length === 0) return;
    // Canvas colours must be concrete: the holder's own computed colours resolve the theme's variables.
    const style = getComputedStyle(el);
    const axis = {
      stroke: style.color,
      grid: { stroke: style.borderTopColor, width: 1 },
      ticks: { stroke: style.borderTopColor, width: 1 },
    };
    const plot = new uPlot(
      {
        width: el.clientWidth,
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, min, max) => [Math.min(0, min), yMax ?? (max > 0 ? max * 1.1 : 1)] } },
        axes: [axis, { ...axis, size: 60, values: (_u, ticks) => ticks.map(format) }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
          })),
        ],
      },
      [times, ...series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, format, yMax]);

  const rows = series.map((s, i) => ({ s, color: PALETTE[i % PALETTE.length], st: stats(s.values) }));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={holder} className="chart-canvas" role="img" aria-label={`${title}, ${times.length} points`} />
      <table className="legend">
        <thead>
          <tr>
            <th scope="col">Series</th>
            <th scope="col" className="numeric">
              Min
            </th>
            <th scope="col" className="numeric">
              Max
            </th>
            <th scope="col" className="numeric">
              Avg
            </th>
            <th scope="col" className="numeric">
              Last
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ s, color, st }) => (
            <tr key={s.label}>
              <th scope="row">
                <span className="swatch" style={{ background: color }} /> {s.label}
              </th>
              <td className="numeric">{st ? format(st.min) : '—'}</td>
              <td className="numeric">{st ? format(st.max) : '—'}</td>
              <td className="numeric">{st ? format(st.avg) : '—'}</td>
              <td className="numeric">{st?.last != null ? format(st.last) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
