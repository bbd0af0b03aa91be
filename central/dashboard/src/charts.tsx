import { dayLabel } from '@zra/ui';

const day = (date: string) => dayLabel(date, false);

/** Batch states in the order they are stacked, bottom up, with the words shown in legends. */
export const STATES = [
  ['processed', 'Processed'],
  ['processing', 'Processing'],
  ['queued', 'Queued'],
  ['stored', 'Stored'],
  ['failed', 'Failed'],
  ['quarantined', 'Quarantined'],
] as const;
export type StateName = (typeof STATES)[number][0];

/** The days a chart covers, with their years ("19 Nov 2026 – 2 Dec 2026"). */
function span(days: { date: string }[]): string {
  const first = days[0]?.date;
  const last = days.at(-1)?.date;
  return first && last ? `${dayLabel(first)} – ${dayLabel(last)}` : '';
}

/** Drawing units: a half-width chart is ~560 px wide on a 1280 px screen, a wide one ~1150. */
const HALF = { w: 720, h: 220 };
const WIDE = { w: 1150, h: 240 };
const PAD = { left: 52, right: 8, top: 14, bottom: 30 };

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  const m = max / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

interface Frame {
  W: number;
  H: number;
  x(i: number): number;
  barWidth: number;
  y(v: number): number;
  top: number;
}

function Axes(props: {
  dates: string[];
  top: number;
  frame: Frame;
  format: (v: number) => string;
  integer: boolean;
}) {
  const { dates, top, frame, format } = props;
  const { W, H } = frame;
  const every = Math.max(1, Math.ceil(dates.length / (W > 1000 ? 14 : 8)));
  // Counts have no half drops: the middle line only where it falls on a whole number.
  const ticks = props.integer && top % 2 !== 0 ? [0, 1] : [0, 0.5, 1];
  return (
    <g className="axis">
      {ticks.map((f) => (
        <g key={f}>
          <line x1={PAD.left} x2={W - PAD.right} y1={frame.y(top * f)} y2={frame.y(top * f)} />
          <text x={PAD.left - 6} y={frame.y(top * f) + 4} textAnchor="end">
            {format(top * f)}
          </text>
        </g>
      ))}
      {dates.map((d, i) =>
        i % every === 0 ? (
          <text key={d} x={frame.x(i) + frame.barWidth / 2} y={H - 8} textAnchor="middle">
            {day(d)}
          </text>
        ) : null,
      )}
    </g>
  );
}

function frameFor(n: number, top: number, size: { w: number; h: number }): Frame {
  const W = size.w;
  const H = size.h;
  const slot = (W - PAD.left - PAD.right) / Math.max(1, n);
  const plotH = H - PAD.top - PAD.bottom;
  return {
    W,
    H,
    x: (i) => PAD.left + i * slot + slot * 0.15,
    barWidth: slot * 0.7,
    y: (v) => PAD.top + plotH - (v / top) * plotH,
    top,
  };
}

/** Drops per day, stacked by state (inline SVG: nothing to load, nothing the CSP must allow). */
export function StackedBars(props: {
  title: string;
  days: { date: string; byState: Record<StateName, number> }[];
}) {
  const totals = props.days.map((d) => STATES.reduce((s, [k]) => s + d.byState[k], 0));
  const top = niceMax(Math.max(0, ...totals));
  const frame = frameFor(props.days.length, top, WIDE);
  const { W, H } = frame;
  return (
    <figure className="chart">
      <figcaption>
        {props.title} <span className="sub">{span(props.days)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        <Axes
          dates={props.days.map((d) => d.date)}
          top={top}
          frame={frame}
          format={String}
          integer
        />
        {totals.every((t) => t === 0) ? (
          <text className="chart-empty" x={W / 2} y={H / 2} textAnchor="middle">
            No drops received in this period
          </text>
        ) : null}
        {props.days.map((d, i) => {
          let base = 0;
          return (
            <g key={d.date}>
              {STATES.map(([k, label]) => {
                const v = d.byState[k];
                if (v === 0) return null;
                const y0 = frame.y(base);
                base += v;
                const y1 = frame.y(base);
                return (
                  <rect
                    key={k}
                    className={`fill-${k}`}
                    x={frame.x(i)}
                    width={frame.barWidth}
                    y={y1}
                    height={Math.max(0, y0 - y1)}
                  >
                    <title>{`${dayLabel(d.date)}: ${v} ${label.toLowerCase()}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      <ul className="legend">
        {STATES.map(([k, label]) => (
          <li key={k}>
            <span className={`swatch fill-${k}`} aria-hidden="true" />
            {label}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** One value per day as bars; days without data show a gap, not a zero. */
export function DayBars(props: {
  title: string;
  days: { date: string; value: number | null }[];
  format?: (v: number) => string;
  max?: number;
  tone?: string;
}) {
  const format = props.format ?? ((v: number) => String(Math.round(v)));
  const top = props.max ?? niceMax(Math.max(0, ...props.days.map((d) => d.value ?? 0)));
  const frame = frameFor(props.days.length, top, HALF);
  const { W, H } = frame;
  const empty = props.days.every((d) => d.value === null || d.value === 0);
  return (
    <figure className="chart">
      <figcaption>
        {props.title} <span className="sub">{span(props.days)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        <Axes
          dates={props.days.map((d) => d.date)}
          top={top}
          frame={frame}
          format={format}
          integer={props.max === undefined}
        />
        {props.days.map((d, i) =>
          d.value === null ? null : (
            <rect
              key={d.date}
              className={props.tone ?? 'fill-bar'}
              x={frame.x(i)}
              width={frame.barWidth}
              y={frame.y(d.value)}
              height={Math.max(0, frame.y(0) - frame.y(d.value))}
            >
              <title>{`${dayLabel(d.date)}: ${format(d.value)}`}</title>
            </rect>
          ),
        )}
        {empty ? (
          <text className="chart-empty" x={W / 2} y={H / 2} textAnchor="middle">
            No data in this period
          </text>
        ) : null}
      </svg>
    </figure>
  );
}
