/** What a progress line shows: the run's state from the API and the time since it started here. */
export interface ProgressState {
  status: string;
  queuePosition: number | null;
  elapsedMs: number;
  /** (durationMs + warmupMs) × repeats: the time the run is expected to take. */
  expectedMs: number;
  /** Repeats finished, of total. */
  done: number;
  total: number;
}

const BAR_MIN = 10;
const BAR_MAX = 40;

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

/**
 * One line, at most `columns - 1` characters (the last column would wrap on some terminals):
 * `[##########..........]  50%  1.5/3.0 s  repeat 1/2`. Time drives the bar between repeats; it
 * stays below 100 % until the run is done, since worker start-up adds to the expected time.
 */
export function renderProgress(s: ProgressState, columns: number): string {
  const room = Math.max(1, columns - 1);
  if (s.status === 'queued') {
    return `queued${s.queuePosition ? ` (position ${s.queuePosition})` : ''}, waiting for the running benchmark`.slice(0, room);
  }
  const byTime = s.expectedMs > 0 ? s.elapsedMs / s.expectedMs : 0;
  const byRepeats = s.total > 0 ? s.done / s.total : 0;
  const fraction = s.status === 'running' ? Math.min(0.99, Math.max(byTime, byRepeats)) : 1;
  const label = `${String(Math.floor(fraction * 100)).padStart(3)}%  ${seconds(s.elapsedMs)}/${seconds(s.expectedMs)} s${s.total > 1 ? `  repeat ${Math.min(s.done + 1, s.total)}/${s.total}` : ''}`;
  const width = Math.max(BAR_MIN, Math.min(BAR_MAX, room - label.length - 4));
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]  ${label}`.slice(0, room);
}

/** The stream a bar is drawn on: process.stderr, or a stand-in in tests. */
export interface BarStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** A progress line redrawn in place with \r on a terminal; nothing at all otherwise (logs, pipes, CI). */
export class ProgressBar {
  #drawn = false;

  constructor(private readonly stream: BarStream) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  update(state: ProgressState): void {
    if (!this.enabled) return;
    // \x1b[K erases what a longer previous line left to the right.
    this.stream.write(`\r${renderProgress(state, this.stream.columns || 80)}\x1b[K`);
    this.#drawn = true;
  }

  /** Leaves the cursor at the start of an empty line, so what follows is not mixed with the bar. */
  clear(): void {
    if (!this.#drawn) return;
    this.stream.write('\r\x1b[K');
    this.#drawn = false;
  }
}
