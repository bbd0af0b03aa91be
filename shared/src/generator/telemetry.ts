import type { RideModelChannel } from '../ride-model/ride-model.ts';
import { toIso } from './iso-time.ts';
import { writeNumberList } from './number-list.ts';
import type { Random } from './random.ts';
import type { Excursion, SimCycle, TelemetryGap } from './ride-simulator.ts';

/** Inputs of {@link renderTelemetry}: one channel over one window. */
export interface TelemetryInput {
  channel: RideModelChannel;
  rateHz: number;
  windowStart: number;
  windowEnd: number;
  /** Cycles of the window, sorted by start. */
  cycles: readonly SimCycle[];
  excursions: readonly Excursion[];
  gaps: readonly TelemetryGap[];
  random: Random;
  /** Where a slow channel (a temperature) stood at the window start; idle when unknown. */
  startValue?: number;
}

/** The rendered file and where a slow channel ended, to carry into the next window. */
export interface RenderedTelemetry {
  json: Buffer;
  endValue: number;
}

// Temperatures follow load over minutes; currents, speeds and pressures within a fraction of a second.
const SLOW_TAU_S = 600;
const FAST_TAU_S = 0.25;
// A cycle accelerates and brakes over this share of its length at each end.
const RAMP = 0.1;
// Seconds of one swing of the gondola, which modulates currents, speed and acceleration.
const SWING_S = 18;

function isSlow(channel: RideModelChannel): boolean {
  return channel.unit === '°C';
}

/** A sensor's resolution: 0.1 A, 0.1 °C, 0.1 bar; 0.01 for small ranges (g, mm/s). */
function decimalsFor(channel: RideModelChannel): number {
  const scale = Math.max(Math.abs(channel.typical.running), Math.abs(channel.typical.idle));
  return scale >= 10 ? 1 : 2;
}

/**
 * A tiny xorshift32 stream for per-sample noise, seeded from the run's seeded stream: calling
 * the main generator three times per sample would dominate generation time.
 */
function noiseSource(random: Random): () => number {
  let s = random.int(1, 0x7fffffff);
  const uniform = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
  // Sum of three uniforms: close to normal, bounded, mean 0, standard deviation 1.
  return () => (uniform() + uniform() + uniform() - 1.5) * 2;
}

function sampleIndex(time: number, start: number, rateHz: number, n: number): number {
  return Math.min(n, Math.max(0, Math.ceil(((time - start) * rateHz) / 1000)));
}

/**
 * Renders one channel's `telemetry/{channel}.json` for a window: idle values between cycles,
 * a ramped, swinging running profile during cycles, first-order lag, sensor noise, excursions
 * before alarms and nulls where the PLC lost samples. Compact JSON, built in one pass.
 */
export function renderTelemetry(input: TelemetryInput): RenderedTelemetry {
  const { channel, rateHz, windowStart, cycles, random } = input;
  const n = Math.round(((input.windowEnd - windowStart) / 1000) * rateHz);
  const { running, idle } = channel.typical;
  const slow = isSlow(channel);
  const dtS = 1 / rateHz;
  const alpha = 1 - Math.exp(-dtS / (slow ? SLOW_TAU_S : FAST_TAU_S));
  const swings = !slow && channel.channel !== 'brake.pressure';
  const spread = Math.abs(running - idle);
  const noiseRunning = slow ? 0.08 : 0.025 * spread + 0.005 * Math.abs(idle);
  const noiseIdle = slow ? 0.08 : 0.006 * spread + 0.003 * Math.abs(idle);
  const nonNegative = running >= 0 && idle >= 0;
  const values = new Float64Array(n);

  const noise = noiseSource(random);
  let x = input.startValue ?? idle;
  let ci = 0;
  for (let i = 0; i < n; i++) {
    const t = windowStart + i * dtS * 1000;
    let c = cycles[ci];
    while (c && c.end <= t) c = cycles[++ci];
    let target = idle;
    let sd = noiseIdle;
    if (c && t >= c.start) {
      const progress = (t - c.start) / (c.end - c.start);
      const envelope = Math.min(1, progress / RAMP, (1 - progress) / RAMP);
      const swing = swings
        ? 1 + 0.12 * Math.sin((2 * Math.PI * (t - c.start)) / 1000 / SWING_S)
        : 1;
      target = idle + (running - idle) * envelope * swing;
      // Noise grows with load, so a ride at rest reads steady and a running one jittery.
      sd = noiseIdle + (noiseRunning - noiseIdle) * envelope;
    }
    x += (target - x) * alpha;
    let v = x + sd * noise();
    if (nonNegative && v < 0) v = 0;
    values[i] = v;
  }
  const endValue = x;

  for (const e of input.excursions) {
    if (e.channel !== channel.channel) continue;
    const from = sampleIndex(e.from, windowStart, rateHz, n);
    const to = sampleIndex(e.to, windowStart, rateHz, n);
    for (let i = from; i < to; i++) values[i] = e.value * (1 + 0.01 * noise());
  }
  for (const g of input.gaps) {
    if (g.channel !== null && g.channel !== channel.channel) continue;
    const from = sampleIndex(g.from, windowStart, rateHz, n);
    const to = sampleIndex(g.to, windowStart, rateHz, n);
    values.fill(Number.NaN, from, to);
  }

  const head =
    `{"channel":${JSON.stringify(channel.channel)},"unit":${JSON.stringify(channel.unit)},` +
    `"rateHz":${rateHz},"start":"${toIso(windowStart)}","values":[`;
  const json = Buffer.concat([
    Buffer.from(head, 'utf8'),
    writeNumberList(values, decimalsFor(channel)),
    Buffer.from(']}\n', 'utf8'),
  ]);
  return { json, endValue };
}
