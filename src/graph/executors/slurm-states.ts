/**
 * What a Slurm job state means for a task whose launcher has not (yet) recorded an exit status:
 * keep waiting, fail now with a reason, or fail unless the exit-status file shows up shortly
 * (a finished job whose file a shared file system has not made visible yet).
 */
import type { JobStatus } from "./slurm-commands.js";

export type Verdict =
  | { readonly kind: "wait" }
  | { readonly kind: "fail"; readonly reason: string; readonly cancel?: boolean }
  /** Finished without an exit-status file: fail with `reason` unless the file appears in time. */
  | { readonly kind: "finished"; readonly reason: string };

const ACTIVE = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "SUSPENDED",
  "STOPPED",
  "SIGNALING",
  "STAGE_OUT",
  "RESIZING",
  "REQUEUED",
  "REQUEUE_FED",
  "REQUEUE_HOLD",
]);

/**
 * Pending reasons that no amount of waiting cures on the current configuration. With
 * `EnforcePartLimits=ALL` Slurm rejects most such jobs at submission; these catch the rest.
 */
const NEVER_RUNS = new Set([
  "BadConstraints",
  "PartitionConfig",
  "PartitionNodeLimit",
  "PartitionTimeLimit",
  "InvalidAccount",
  "InvalidQOS",
  "DependencyNeverSatisfied",
]);

export function judge(job: string, status: JobStatus | undefined, outputFile: string): Verdict {
  if (!status) {
    return {
      kind: "finished",
      reason:
        `Slurm job ${job} disappeared from the scheduler without recording an exit status ` +
        `(cancelled while pending, or purged after MinJobAge)`,
    };
  }
  const { state, reason, limit } = status;
  if (state === "PENDING" && NEVER_RUNS.has(reason)) {
    return { kind: "fail", reason: `Slurm job ${job} can never run (${reason}); cancelled it`, cancel: true };
  }
  if (ACTIVE.has(state)) return { kind: "wait" };
  switch (state) {
    case "CANCELLED":
      return { kind: "fail", reason: `Slurm job ${job} was cancelled (scancel or an administrator)` };
    case "TIMEOUT":
      return { kind: "fail", reason: `Slurm job ${job} hit its time limit (--time=${limit}) and was killed` };
    case "DEADLINE":
      return { kind: "fail", reason: `Slurm job ${job} reached its deadline (--deadline) and was ended` };
    case "NODE_FAIL":
      return { kind: "fail", reason: `Slurm job ${job} ended because its node failed` };
    case "BOOT_FAIL":
      return { kind: "fail", reason: `Slurm job ${job} could not start: its node failed to boot` };
    case "PREEMPTED":
      return { kind: "fail", reason: `Slurm job ${job} was preempted (and is not requeued)` };
    case "OUT_OF_MEMORY":
      return { kind: "fail", reason: `Slurm job ${job} ran out of memory (--mem) and was killed` };
    case "FAILED":
      if (reason === "JobLaunchFailure") {
        return {
          kind: "finished",
          reason:
            `Slurm could not launch job ${job} (JobLaunchFailure): does its output folder exist on ` +
            `the compute node? (${outputFile})`,
        };
      }
      return {
        kind: "finished",
        reason: `Slurm job ${job} failed (${reason}) before the launcher's exit status was recorded`,
      };
    case "COMPLETED":
      return {
        kind: "finished",
        reason: `Slurm job ${job} completed but left no exit-status file (is the node folder on a file system the compute node shares?)`,
      };
    default:
      return { kind: "finished", reason: `Slurm job ${job} ended in state ${state} (${reason})` };
  }
}
