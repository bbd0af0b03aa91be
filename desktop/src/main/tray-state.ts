import { worstState, type OverallTone } from '../common/worst-state.ts';
import type { AgentStatus } from '../core/status/agent-status.ts';

/** The tray icon's colour per state (a filled circle; the tooltip says it in words). */
export const TRAY_COLOURS: Record<OverallTone, string> = {
  ok: '#1d7a3e',
  attention: '#d89b00',
  failing: '#b3261e',
};

export interface TrayState {
  tone: OverallTone;
  colour: string;
  /** One or two lines: the state and its first reasons. */
  tooltip: string;
}

/** The tray's look for a status: its worst state, coloured, and why in words. */
export function trayState(status: AgentStatus): TrayState {
  const overall = worstState(status);
  const reasons = overall.reasons.slice(0, 3);
  const more = overall.reasons.length - reasons.length;
  return {
    tone: overall.tone,
    colour: TRAY_COLOURS[overall.tone],
    tooltip:
      `Zamperla park agent (${status.park}): ${overall.words}` +
      (reasons.length ? `\n${reasons.join('\n')}${more > 0 ? `\n…and ${more} more` : ''}` : ''),
  };
}

/**
 * A 16×16 RGBA bitmap of a filled circle in `colour` (`#rrggbb`), for
 * `nativeImage.createFromBitmap`: no image files to ship or load.
 */
export function circleBitmap(colour: string, size = 16): Buffer {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!m?.[1] || !m[2] || !m[3]) throw new Error(`expected a #rrggbb colour, got ${colour}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h, 16)) as [number, number, number];
  const out = Buffer.alloc(size * size * 4);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - c) ** 2 + (y - c) ** 2 <= (size / 2 - 0.5) ** 2;
      const i = (y * size + x) * 4;
      // Electron's bitmaps are BGRA.
      out[i] = b;
      out[i + 1] = g;
      out[i + 2] = r;
      out[i + 3] = inside ? 255 : 0;
    }
  }
  return out;
}
