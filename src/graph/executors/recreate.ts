/**
 * An executor made again from what it kept of itself in a run directory (`resumeAs`, stored in
 * `_options.json`), so a resumed run gets the same one. Only Slurm executors keep themselves.
 */
import type { Executor, ResumableExecutor } from "../executor.js";

export async function recreateExecutor(s: ResumableExecutor): Promise<Executor> {
  // Loaded only when a run needs it: most runs never touch Slurm.
  const { slurmExecutor } = await import("./slurm.js");
  return slurmExecutor({ workersDir: s.workersDir, ...(s.defaults ? { defaults: s.defaults } : {}) });
}
