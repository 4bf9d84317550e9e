/**
 * The stdin/stdout executor: the worker program gets its single input on stdin and writes its
 * single output to stdout (upstream's `StdInOut`, without its blocking 10 s limit: the process
 * exit is awaited like any other task, and a failure is reported).
 */
import { join } from "node:path";
import { resolvePath } from "../../runtime/call-args.js";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { contractEnv } from "./contract-env.js";
import { findWorkerFile, launcherCandidates, launcherCommand } from "./find-worker.js";
import { registryDirs } from "../worker-folder.js";
import { runProcessTask } from "./process-task.js";
import { callArgsOf } from "./shell.js";

export interface StdioExecutorOptions {
  readonly workers: string | readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export function stdioExecutor(options: StdioExecutorOptions): Executor {
  const dirs = registryDirs(options.workers);
  const found = new Map<string, string>();
  return {
    async run(launch: TaskLaunch): Promise<TaskResult> {
      try {
        let file = found.get(launch.worker);
        if (file === undefined) {
          file = findWorkerFile(launch.worker, dirs, launcherCandidates(launch.worker), "program");
          found.set(launch.worker, file);
        }
        const args = await callArgsOf(launch);
        const ins = Object.values(args.inputs);
        const outs = Object.entries(args.outputs);
        if (ins.length > 1 || outs.length !== 1) {
          return {
            ok: false,
            reason: `a stdin/stdout worker takes at most one input and gives one output (the task has ${ins.length} inputs, ${outs.length} outputs)`,
          };
        }
        const logs = join(launch.root, launch.workflowId, "logs");
        return await runProcessTask(launch, {
          ...launcherCommand(file, launch.definitionPath),
          cwd: launch.root,
          env: { ...options.env, ...contractEnv(launch.root, args, join(launch.root, launch.definitionPath), logs) },
          stdin: ins[0] === undefined ? undefined : resolvePath(launch.root, ins[0]),
          stdout: resolvePath(launch.root, outs[0]![1]),
          logs,
          exitZeroWithoutDone: "mark",
        });
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
    },
  };
}
