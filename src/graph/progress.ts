/**
 * Progress of a run: which tasks are running, done and failed. On a terminal a live block redrawn
 * as events arrive (log-update, at most every 100 ms); elsewhere (CI logs, pipes) plain lines, and
 * on a terminal that reports no size (0 columns or rows: a serial console, some containers), where
 * a live block would be drawn empty, plain lines too. Either way the run directory comes first, so
 * that it is on screen when the run is interrupted.
 */
import { createLogUpdate } from "log-update";
import type { RunEvent } from "./run-types.js";

export class ProgressState {
  readonly running = new Map<string, string>();
  done = 0;
  cached = 0;
  /** Tasks still running when the run failed: the controller stopped them. */
  stopped = 0;
  readonly failed: { loc: string; task: string; reason: string }[] = [];
  /** Tasks done earlier whose outputs did not check on resume (`task-rerun` messages). */
  readonly reruns: string[] = [];

  apply(e: RunEvent): void {
    switch (e.type) {
      case "task-started":
        this.running.set(e.loc, e.task);
        break;
      case "task-done":
        this.running.delete(e.loc);
        this.done++;
        break;
      case "task-cached":
        this.cached++;
        break;
      case "task-rerun":
        this.reruns.push(e.message);
        break;
      case "task-failed":
        this.running.delete(e.loc);
        this.failed.push({ loc: e.loc, task: e.task, reason: e.reason });
        break;
      case "run-finished":
        // Sent once every task has ended: on a failure, those never reported were stopped.
        if (!e.ok) {
          this.stopped += this.running.size;
          this.running.clear();
        }
        break;
    }
  }

  summary(): string {
    const parts = [`${this.running.size} running`, `${this.done} done`];
    if (this.cached) parts.push(`${this.cached} done earlier`);
    parts.push(`${this.failed.length} failed`);
    if (this.stopped) parts.push(`${this.stopped} stopped`);
    return parts.join(", ");
  }

  /** The live block: the summary, then up to `max` running tasks. */
  render(max = 8): string {
    const lines = [`tasks: ${this.summary()}`];
    const running = [...this.running];
    for (const [loc, task] of running.slice(0, max)) lines.push(`  ▶ ${task}  ${loc}`);
    if (running.length > max) lines.push(`  … and ${running.length - max} more`);
    for (const r of this.reruns) lines.push(`  ↻ ${r}`);
    for (const f of this.failed) lines.push(`  ✗ ${f.task}  ${f.loc}: ${f.reason}`);
    return lines.join("\n");
  }
}

/** Plain line for one event, or undefined for events not worth a line. */
export function eventLine(e: RunEvent): string | undefined {
  switch (e.type) {
    case "run-started":
      return `${e.resumed ? "resuming" : "running"} ${e.runDir}`;
    case "task-started":
      return `started ${e.task} ${e.loc}`;
    case "task-done":
      return `done    ${e.task} ${e.loc}`;
    case "task-cached":
      return `skipped ${e.task} ${e.loc} (done earlier)`;
    case "task-rerun":
      return e.message;
    case "task-failed":
      return `FAILED  ${e.task} ${e.loc}: ${e.reason}`;
    case "run-finished":
      return e.ok ? "run finished" : "run failed";
  }
}

export interface ProgressDisplay {
  readonly onEvent: (e: RunEvent) => void;
  readonly stop: () => void;
}

export function attachProgress(stream: NodeJS.WriteStream, options: { live?: boolean } = {}): ProgressDisplay {
  const live = options.live ?? (Boolean(stream.isTTY) && stream.columns !== 0 && stream.rows !== 0);
  const state = new ProgressState();
  if (!live) {
    return {
      onEvent: (e) => {
        state.apply(e);
        let line = eventLine(e);
        if (e.type === "run-finished" && state.stopped)
          line += ` (${state.stopped} running ${state.stopped === 1 ? "task" : "tasks"} stopped)`;
        if (line) stream.write(line + "\n");
      },
      stop: () => undefined,
    };
  }
  const log = createLogUpdate(stream);
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    log(state.render());
  };
  return {
    onEvent: (e) => {
      state.apply(e);
      // Above the live block, where it stays.
      if (e.type === "run-started") stream.write(eventLine(e) + "\n");
      if (e.type === "run-finished") {
        clearTimeout(timer);
        draw();
        log.done();
        return;
      }
      timer ??= setTimeout(draw, 100);
    },
    stop: () => {
      if (timer) {
        clearTimeout(timer);
        draw();
        log.done();
      }
    },
  };
}
