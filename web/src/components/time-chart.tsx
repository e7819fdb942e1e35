// A time-series chart (uPlot): requests and tokens over time, on two scales.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TimeSeries {
  label: string;
  values: number[];
  color: string;
  /** Right-hand axis. */
  right?: boolean;
}

export interface TimeChartProps {
  /** Bucket starts, epoch ms. */
  times: number[];
  series: TimeSeries[];
  title: string;
  height?: number;
}

export function TimeChart({ times, series, title, height = 220 }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth);
    const hasRight = series.some((s) => s.right);
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max)] },
        r: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: [
        { stroke: '#555' },
        { stroke: '#555', scale: 'y', size: 50 },
        ...(hasRight
          ? [{ stroke: '#555', scale: 'r', side: 1 as const, size: 60, grid: { show: false } }]
          : []),
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: `${s.color}22`,
          scale: s.right ? 'r' : 'y',
          points: { show: false },
        })),
      ],
    };
    const data: uPlot.AlignedData = [times.map((t) => t / 1000), ...series.map((s) => s.values)];
    const plot = new uPlot(opts, data, el);
    const onResize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height });
    const observer = new ResizeObserver(onResize);
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series, height]);
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
