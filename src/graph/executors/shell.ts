/**
 * The shell executor: runs `<workers>/<worker>` (a file) or `<workers>/<worker>/main.sh` with the
 * env-var contract. For generated launchers and hand-written scripts alike.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseCallArgs, type CallArgs } from "../../runtime/call-args.js";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { contractEnv } from "./contract-env.js";
import { findWorkerFile, launcherCandidates, launcherCommand } from "./find-worker.js";
import { registryDirs } from "../worker-folder.js";
import { missingScript } from "./launcher-scripts.js";
import { nativeCodecEnv } from "./native-codec.js";
import { runProcessTask } from "./process-task.js";
import { timeLimitEnv } from "./time-limit.js";

export interface ShellExecutorOptions {
  /** Worker registry folders, searched in order. */
  readonly workers: string | readonly string[];
  /** Extra environment for every task. */
  readonly env?: Readonly<Record<string, string>>;
}

export async function callArgsOf(launch: TaskLaunch): Promise<CallArgs> {
  return launch.callArgs ?? parseCallArgs(await readFile(join(launch.root, launch.definitionPath), "utf8"));
}

export function shellExecutor(options: ShellExecutorOptions): Executor & { launcher(worker: string): string } {
  const dirs = registryDirs(options.workers);
  const found = new Map<string, string>();
  const launcher = (worker: string) => {
    let file = found.get(worker);
    if (file === undefined) {
      file = findWorkerFile(worker, dirs, launcherCandidates(worker), "launcher");
      found.set(worker, file);
    }
    return file;
  };
  return {
    launcher,
    check(worker: string, task: string): string | undefined {
      let file: string;
      try {
        file = launcher(worker);
      } catch (e) {
        return (e as Error).message;
      }
      return missingScript(file, task);
    },
    async run(launch: TaskLaunch): Promise<TaskResult> {
      let file: string;
      let args: CallArgs;
      try {
        file = launcher(launch.worker);
        args = await callArgsOf(launch);
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
      const logs = join(launch.root, launch.workflowId, "logs");
      return runProcessTask(launch, {
        ...launcherCommand(file, launch.definitionPath),
        cwd: launch.root,
        env: {
          ...(await nativeCodecEnv()),
          ...options.env,
          ...contractEnv(launch.root, args, join(launch.root, launch.definitionPath), logs),
          ...timeLimitEnv(launch),
        },
        logs,
        exitZeroWithoutDone: "mark",
      });
    },
  };
}
