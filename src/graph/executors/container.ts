/**
 * The container executor: a worker's launcher (`<workers>/<worker>` or `<workers>/<worker>/main.sh`)
 * runs inside an image, with the checkpoints root, the worker's folder (read-only) and named
 * volumes mounted at the same paths as outside, so every path of the contract means the same
 * thing inside. Engines: `podman` and `docker` (one command line), and `bwrap` (bubblewrap), whose
 * "image" is a root file system folder.
 *
 * Values reach the program as the other executors give them: environment entries and argv words
 * passed to the engine by `execve`, never through a shell.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { contractEnv } from "./contract-env.js";
import { findWorkerFile, isExecutable, launcherCandidates } from "./find-worker.js";
import { registryDirs } from "../worker-folder.js";
import { runProcessTask } from "./process-task.js";
import { onPath } from "./python.js";
import { callArgsOf } from "./shell.js";

export type ContainerEngineName = "podman" | "docker" | "bwrap";

export interface ContainerEngine {
  readonly command: ContainerEngineName;
  /** The engine program (default: `command` found on PATH). */
  readonly path?: string;
  /** Global options, before `run` (podman: e.g. `--runtime runc --cgroup-manager cgroupfs`). */
  readonly args?: readonly string[];
  /** Options of `run`, before the image (podman: e.g. `--ulimit nofile=1024:1024`). */
  readonly runArgs?: readonly string[];
}

export interface ContainerExecutorOptions {
  readonly workers: string | readonly string[];
  /** An image name (podman, docker) or a root file system folder (bwrap). */
  readonly image: string;
  readonly engine?: ContainerEngine;
  /** Absolute folders mounted read-write at the same path. */
  readonly volumes?: readonly string[];
  /** Extra environment; the contract's own variables win over it. */
  readonly env?: Readonly<Record<string, string>>;
  /** Runs a launcher that is not executable (default `sh`, as small images have no bash). */
  readonly shell?: string;
}

export interface ContainerRun {
  readonly image: string;
  /** Folders mounted read-write at the same path. */
  readonly mounts: readonly string[];
  /** Folders mounted read-only at the same path. */
  readonly readOnly: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
}

/** PATH inside a bwrap root (podman and docker take the image's own). */
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The engine's command line for one run. Pure, so tests can check it without an engine. */
export function containerCommand(engine: ContainerEngine, r: ContainerRun): { file: string; args: string[] } {
  const file = engine.path ?? engine.command;
  if (engine.command === "bwrap") return { file, args: bwrapArgs(engine, r) };
  const args = [...(engine.args ?? []), "run", "--rm", "--init", ...(engine.runArgs ?? [])];
  for (const m of r.mounts) args.push("--volume", `${volumePath(m)}:${m}`);
  for (const m of r.readOnly) args.push("--volume", `${volumePath(m)}:${m}:ro`);
  args.push("--workdir", r.cwd);
  for (const [k, v] of Object.entries(r.env)) args.push("--env", `${k}=${v}`);
  args.push(r.image, ...r.argv);
  return { file, args };
}

/** `-v a:b` splits on ':' and reads ',' as option separators: such paths cannot be mounted. */
function volumePath(p: string): string {
  if (/[:,]/.test(p)) throw new Error(`cannot mount ${p} in a container: the path holds ':' or ','`);
  return p;
}

/**
 * bwrap's root starts as an empty tmpfs: the image's top-level folders are bound read-only into
 * it, except the ones a mount lies under, which become empty tmpfs folders so that the mount
 * points can be made (bwrap cannot create them inside a read-only bind).
 */
function bwrapArgs(engine: ContainerEngine, r: ContainerRun): string[] {
  // A read-only /tmp breaks many programs: it is always a fresh tmpfs.
  const tops = new Set(["tmp", ...[...r.mounts, ...r.readOnly, r.cwd].map((p) => p.split("/")[1]!).filter(Boolean)]);
  const args = [...(engine.args ?? [])];
  for (const entry of readdirSync(r.image)) {
    if (entry === "proc" || entry === "dev") continue;
    if (tops.has(entry)) args.push("--tmpfs", `/${entry}`);
    else args.push("--ro-bind", join(r.image, entry), `/${entry}`);
  }
  args.push("--proc", "/proc", "--dev", "/dev", "--unshare-pid", "--die-with-parent");
  for (const m of r.mounts) args.push("--bind", m, m);
  for (const m of r.readOnly) args.push("--ro-bind", m, m);
  args.push("--chdir", r.cwd, "--clearenv", "--setenv", "PATH", DEFAULT_PATH);
  for (const [k, v] of Object.entries(r.env)) args.push("--setenv", k, v);
  args.push(...(engine.runArgs ?? []), "--", ...r.argv);
  return args;
}

/** Refuses, before anything runs, an engine that is not installed or an image it does not have. */
export async function checkContainer(engine: ContainerEngine, image: string): Promise<void> {
  const program = engine.path ?? engine.command;
  const found = onPath(program);
  if (!found) throw new Error(`container engine '${program}' is not installed (not on PATH)`);
  if (engine.command === "bwrap") {
    let dir = false;
    try {
      dir = statSync(image).isDirectory();
    } catch {
      // Missing: said below.
    }
    if (!dir)
      throw new Error(`image ${image} is not a root file system folder (bwrap runs a folder, not an image name)`);
    return;
  }
  const { execFile } = await import("node:child_process");
  // podman has `image exists`; docker answers the same question with `image inspect`.
  const ask = engine.command === "podman" ? ["image", "exists"] : ["image", "inspect"];
  const exists = await new Promise<boolean>((done) => {
    execFile(found, [...(engine.args ?? []), ...ask, image], (error) => done(!error));
  });
  if (!exists)
    throw new Error(
      `image '${image}' is not in ${engine.command}'s image store (${engine.command} ${ask.join(" ")} said no)`,
    );
}

export function containerExecutor(options: ContainerExecutorOptions): Executor {
  const dirs = registryDirs(options.workers);
  const engine = options.engine ?? { command: "podman" };
  const found = new Map<string, string>();
  return {
    async run(launch: TaskLaunch): Promise<TaskResult> {
      const logs = join(launch.root, launch.workflowId, "logs");
      let command: { file: string; args: string[] };
      try {
        let launcher = found.get(launch.worker);
        if (launcher === undefined) {
          launcher = findWorkerFile(launch.worker, dirs, launcherCandidates(launch.worker), "launcher");
          found.set(launch.worker, launcher);
        }
        const definition = join(launch.root, launch.definitionPath);
        const env = { ...options.env, ...contractEnv(launch.root, await callArgsOf(launch), definition, logs) };
        command = containerCommand(engine, {
          image: options.image,
          mounts: [launch.root, ...(options.volumes ?? [])],
          readOnly: [join(launcher, "..")],
          cwd: launch.root,
          env,
          argv: isExecutable(launcher)
            ? [launcher, launch.definitionPath]
            : [options.shell ?? "sh", launcher, launch.definitionPath],
        });
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
      return runProcessTask(launch, { ...command, cwd: launch.root, env: {}, logs, exitZeroWithoutDone: "mark" });
    },
  };
}
