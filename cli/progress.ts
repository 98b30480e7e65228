import { senseSign, type Sense } from '../models/model.js';
import type { Planner } from '../planning/planner.js';
import { relativeGap } from '../solver/bounds.js';
import { CliError } from './args.js';

/**
 * The live progress line: while a solve runs past its first second, one line on stderr with the elapsed
 * time, the best objective so far, the best bound and the gap between them, redrawn in place (`\r`, then
 * erase to the end of the line) as they improve and as the time goes, and erased when the solve ends. Only
 * where stderr is a terminal, unless PLACEMENT_PROGRESS says otherwise; never with --quiet.
 */

/** PLACEMENT_PROGRESS: auto (unset: when stderr is a terminal), always (any stderr, for tests), never. */
export const PROGRESS_ENV = 'PLACEMENT_PROGRESS';
const MODES = ['auto', 'always', 'never'] as const;

/** Whether to show the line, from --quiet, PLACEMENT_PROGRESS and whether stderr is a terminal. */
export function progressWanted(quiet: boolean, env: string | undefined, isTTY: boolean): boolean {
  const mode = env === undefined || env === '' ? 'auto' : env;
  if (!(MODES as readonly string[]).includes(mode))
    throw new CliError(`${PROGRESS_ENV} must be auto, always or never, got "${mode}"`);
  return !quiet && (mode === 'always' || (mode === 'auto' && isTTY));
}

export interface ProgressOptions {
  readonly out: { write(text: string): unknown; readonly columns?: number };
  /** Epoch ms the elapsed time counts from. */
  readonly start: number;
  /** Nothing is shown before this much time has passed (ms). */
  readonly afterMs?: number;
  /** How often the elapsed time is redrawn (ms). */
  readonly everyMs?: number;
}

const number = (x: number | undefined): string => (x === undefined ? '–' : String(Number(x.toPrecision(6))));

export class ProgressLine {
  private sense: Sense = 'min';
  private objective: number | undefined;
  private bound: number | undefined;
  private solving = false;
  private drawn = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: ProgressOptions) {
    this.timer = setInterval(() => this.tick(), o.everyMs ?? 250);
    this.timer.unref();
  }

  /** A solve starts (a capacity question runs several): its own best objective and bound. */
  begin(sense: Sense): void {
    this.sense = sense;
    this.objective = undefined;
    this.bound = undefined;
    this.solving = true;
  }

  /** The planner's onProgress: a better verified objective, or a proven bound. */
  report(p: { readonly objective?: number; readonly bound?: number }): void {
    const s = senseSign(this.sense);
    if (p.objective !== undefined && (this.objective === undefined || s * p.objective < s * this.objective))
      this.objective = p.objective;
    if (p.bound !== undefined && (this.bound === undefined || s * p.bound > s * this.bound)) this.bound = p.bound;
    if (this.drawn) this.draw();
  }

  /** The solve ended: the line goes. */
  end(): void {
    this.solving = false;
    this.erase();
  }

  /** No more solves. */
  close(): void {
    clearInterval(this.timer);
    this.end();
  }

  /** The line's text (without the redraw controls). */
  text(): string {
    const elapsed = ((Date.now() - this.o.start) / 1000).toFixed(1);
    const { objective, bound } = this;
    const gap =
      objective !== undefined && bound !== undefined ? `${(100 * relativeGap(objective, bound)).toFixed(2)}%` : '–';
    return `solving: elapsed ${elapsed}s   best objective ${number(objective)}   bound ${number(bound)}   gap ${gap}`;
  }

  private tick(): void {
    if (this.solving && Date.now() - this.o.start >= (this.o.afterMs ?? 1000)) this.draw();
  }

  private draw(): void {
    const columns = this.o.out.columns;
    const text = this.text();
    // A line longer than the terminal would wrap, and `\r` would no longer go back to its start.
    this.o.out.write(`\r${columns !== undefined && columns > 1 ? text.slice(0, columns - 1) : text}\x1b[K`);
    this.drawn = true;
  }

  private erase(): void {
    if (!this.drawn) return;
    this.o.out.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** The planner with each solve shown on `line` (its onProgress must report to `line` too). */
export function showingProgress(p: Planner, line: ProgressLine): Planner {
  return {
    ...p,
    solve: async (built, deadline) => {
      line.begin(built.model.sense);
      try {
        return await p.solve(built, deadline);
      } finally {
        line.end();
      }
    },
  };
}
