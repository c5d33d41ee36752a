import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: readonly { t: number; v: number }[];
  readonly dash?: number[];
}

/** A point in time marked on the chart (a scaling activity), on the same time axis as the series. */
export interface Marker {
  readonly t: number;
  readonly label: string;
  readonly color: string;
}

/**
 * A uPlot time chart: the series on one time axis (seconds), an optional horizontal limit line
 * (the task's reservation, drawn across the plot) and vertical markers. Times on the axis are the viewer's own zone.
 */
export function TimeChart({ title, series, limit, markers = [], range, unit, testId }: { title: string; series: Series[]; limit?: { value: number; label: string }; markers?: Marker[]; range: [number, number]; unit: string; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const markersRef = useRef(markers);
  markersRef.current = markers;

  const times = [...new Set(series.flatMap((s) => s.points.map((p) => Math.round(p.t / 1000))))].sort((a, b) => a - b);
  const columns = series.map((s) => {
    const byTime = new Map(s.points.map((p) => [Math.round(p.t / 1000), p.v]));
    return times.map((t) => byTime.get(t) ?? null);
  });
  const all: (number | null)[][] = [times, ...columns];
  const limitRef = useRef(limit);
  limitRef.current = limit;

  useEffect(() => {
    if (!host.current) return;
    const width = Math.max(320, host.current.clientWidth || 600);
    const options: uPlot.Options = {
      width,
      height: 200,
      scales: { x: { time: true, range: () => [range[0] / 1000, range[1] / 1000] }, y: { range: (_u, min, max) => [0, Math.max(max ?? 0, limit?.value ?? 0, 1) * 1.1] } },
      axes: [{ stroke: '#c9d1d9', grid: { stroke: '#30363d' } }, { stroke: '#c9d1d9', grid: { stroke: '#30363d' }, label: unit, size: 60 }],
      legend: { show: true },
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash, spanGaps: true })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const ctx = u.ctx;
            const line = limitRef.current;
            if (line) {
              // The task's reservation, across the whole time axis.
              const y = u.valToPos(line.value, 'y', true);
              ctx.save();
              ctx.strokeStyle = '#ff7b72';
              ctx.setLineDash([6, 4]);
              ctx.beginPath();
              ctx.moveTo(u.bbox.left, y);
              ctx.lineTo(u.bbox.left + u.bbox.width, y);
              ctx.stroke();
              ctx.fillStyle = '#ff7b72';
              ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
              ctx.fillText(line.label, u.bbox.left + 4, y - 4 * devicePixelRatio);
              ctx.restore();
            }
            for (const marker of markersRef.current) {
              const x = u.valToPos(marker.t / 1000, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.save();
              ctx.strokeStyle = marker.color;
              ctx.setLineDash([3, 3]);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillStyle = marker.color;
              ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
              ctx.fillText(marker.label, x + 4, u.bbox.top + 12 * devicePixelRatio);
              ctx.restore();
            }
          },
        ],
      },
    };
    plot.current = new uPlot(options, all as uPlot.AlignedData, host.current);
    const onResize = () => plot.current?.setSize({ width: Math.max(320, host.current?.clientWidth ?? 600), height: 200 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt when the set of series changes; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series.map((s) => s.label).join('|'), limit?.label, limit?.value, unit]);

  useEffect(() => {
    if (!plot.current) return;
    plot.current.setScale('x', { min: range[0] / 1000, max: range[1] / 1000 });
    plot.current.setData(all as uPlot.AlignedData, false);
    plot.current.redraw();
  });

  const empty = times.length === 0;
  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>{title}{empty ? <span class="muted small"> — no data points yet (Wharf publishes them while tasks run)</span> : null}</figcaption>
      <div ref={host} />
    </figure>
  );
}
