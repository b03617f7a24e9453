// Time units, and how a window is cut for the rollup levels: the whole units inside it (read
// from a coarse level) and the partial units at its edges (read from a finer level or raw rows).
// One definition, so every page that reads rollups cuts a window the same way and each instant
// lands in exactly one piece.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A half-open window [from, to); an absent end is open. */
export interface TimeWindow {
  from?: Date;
  to?: Date;
}

export interface WindowPieces {
  /** The whole units inside the window, [from rounded up, to rounded down); absent when it holds none. */
  whole?: TimeWindow;
  /** The partial units around `whole`, or the whole window when it holds no whole unit. */
  edges: TimeWindow[];
}

/** Cuts a window at multiples of `unitMs` since the epoch (UTC hours and days). */
export function splitWindow(window: TimeWindow, unitMs: number): WindowPieces {
  const start = window.from && new Date(Math.ceil(window.from.getTime() / unitMs) * unitMs);
  const end = window.to && new Date(Math.floor(window.to.getTime() / unitMs) * unitMs);
  if (start && end && end <= start) return { edges: [window] };
  const edges: TimeWindow[] = [];
  if (window.from && start! > window.from) edges.push({ from: window.from, to: start });
  if (window.to && end! < window.to) edges.push({ from: end, to: window.to });
  return { whole: { from: start, to: end }, edges };
}
