/**
 * Launchers for tests: fixture specs compiled by the real TypeSpec compiler, `main.sh` rendered
 * and written beside the fixture's user scripts, and checkpoint folders laid out as a controller
 * would, so real bash runs real programs against them.
 */
import type { Program } from "@typespec/compiler";
import { createTester } from "@typespec/compiler/testing";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { renderLauncher } from "../../src/emitter/launcher.js";
import { collectWorkers } from "../../src/model/collect.js";
import { repoRoot } from "../support/tester.js";

export const fixturesDir = resolve(repoRoot, "test/fixtures/launchers");
export const outDir = resolve(repoRoot, "test/.out/launchers");

// The fixtures import the library and say `using Workers;` themselves, as a user's spec does.
const FixtureTester = createTester(repoRoot, { libraries: ["typespec-workers"] });

export interface BuiltWorker {
  /** Folder holding `main.sh` and the fixture's user scripts. */
  readonly dir: string;
  readonly launcher: string;
  readonly text: string;
}

/** Compiles `test/fixtures/launchers/<fixture>/main.tsp` and writes each worker's launcher. */
let last: Program | undefined;

/** The program the last `buildFixture` compiled. */
export function lastProgram(): Program | undefined {
  return last;
}

export async function buildFixture(fixture: string): Promise<Record<string, BuiltWorker>> {
  const source = readFileSync(join(fixturesDir, fixture, "main.tsp"), "utf8");
  const [{ program }, diagnostics] = await FixtureTester.compileAndDiagnose({ "main.tsp": source });
  last = program;
  // Warnings about the TypeScript stubs (a task named `then`) do not concern launchers.
  const errors = diagnostics.filter((d) => d.severity === "error" || !d.code.startsWith("typespec-workers/"));
  expect(errors.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  const { workers, diagnostics: workerDiagnostics } = collectWorkers(program);
  expect(workerDiagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  const built: Record<string, BuiltWorker> = {};
  for (const worker of workers) {
    const dir = join(outDir, "workers", fixture, worker.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(join(fixturesDir, fixture), dir, { recursive: true, filter: (path) => !path.endsWith(".tsp") });
    const text = renderLauncher(worker, { specFile: `test/fixtures/launchers/${fixture}/main.tsp` });
    const launcher = join(dir, "main.sh");
    writeFileSync(launcher, text);
    chmodSync(launcher, 0o755);
    built[worker.name] = { dir, launcher, text };
  }
  return built;
}

let counter = 0;

export interface TaskNode {
  /** Checkpoints root. */
  readonly root: string;
  readonly workflow: string;
  readonly loc: string;
  /** `<wid>/<loc>/definition`, relative to the root (what executors pass). */
  readonly definition: string;
  readonly nodeDir: string;
  readonly outputsDir: string;
}

export interface NodeSpec {
  readonly task: string;
  /** Input port → file content in wire form, written as outputs of the graph-inputs node. */
  readonly inputs?: Record<string, string | Buffer>;
  /** Output ports named in the call arguments (`outputs`). */
  readonly outputs?: readonly string[];
  /** Override of the `function_name` field (e.g. upstream's `<worker>.<task>`). */
  readonly functionName?: string;
}

/** Lays out `<root>/<wid>/-.N-1/outputs/<port>` (producers) and `<root>/<wid>/-.N0/definition`. */
export function layoutNode(spec: NodeSpec, root = freshDir("checkpoints")): TaskNode {
  const workflow = "wf-1";
  const loc = "-.N0";
  const producer = join(root, workflow, "-.N-1", "outputs");
  mkdirSync(producer, { recursive: true });
  const inputs: Record<string, string> = {};
  for (const [port, content] of Object.entries(spec.inputs ?? {})) {
    writeFileSync(join(producer, port), content);
    inputs[port] = `${workflow}/-.N-1/outputs/${port}`;
  }
  const nodeDir = join(root, workflow, loc);
  mkdirSync(join(nodeDir, "outputs"), { recursive: true });
  const outputs = Object.fromEntries((spec.outputs ?? []).map((port) => [port, `${workflow}/${loc}/outputs/${port}`]));
  // Compact JSON in the field order of CONTRACT.md, as upstream writes it.
  const definition = {
    function_name: spec.functionName ?? spec.task,
    inputs,
    outputs,
    output_dir: `${workflow}/${loc}/outputs`,
    done_path: `${workflow}/${loc}/_done`,
    error_path: `${workflow}/${loc}/_error`,
    logs_path: `${workflow}/logs`,
  };
  writeFileSync(join(nodeDir, "definition"), JSON.stringify(definition));
  return {
    root,
    workflow,
    loc,
    definition: `${workflow}/${loc}/definition`,
    nodeDir,
    outputsDir: join(nodeDir, "outputs"),
  };
}

/** A new empty folder under test/.out/launchers/runs. */
export function freshDir(name: string): string {
  const dir = join(outDir, "runs", `${process.pid}-${++counter}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly done: boolean;
  /** Content of `_error`, if written. */
  readonly error?: string;
}

/** The environment without any contract variable, so each start mode sets exactly its own. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(TKR_DIR|checkpoints_directory|function_name|done_path|error_path|output_dir|logs_path|worker_call_args_file|input_|output_)/.test(
        key,
      )
    )
      continue;
    env[key] = value;
  }
  return env;
}

/** Runs `main.sh` with real bash, as our shell executor does: `TKR_DIR` plus the relative definition. */
export function runLauncher(
  launcher: string,
  node: TaskNode,
  options: { env?: NodeJS.ProcessEnv; args?: string[]; cwd?: string } = {},
): RunResult {
  const env = options.env ?? { ...baseEnv(), TKR_DIR: node.root };
  const result = spawnSync("bash", [launcher, ...(options.args ?? [node.definition])], {
    env,
    cwd: options.cwd,
    encoding: "utf8",
  });
  return readResult(node, result.status, result.stdout, result.stderr);
}

export function readResult(node: TaskNode, status: number | null, stdout: string, stderr: string): RunResult {
  const errorFile = join(node.nodeDir, "_error");
  return {
    status,
    stdout,
    stderr,
    done: existsSync(join(node.nodeDir, "_done")),
    ...(existsSync(errorFile) ? { error: readFileSync(errorFile, "utf8") } : {}),
  };
}

/** Output file of a finished node. */
export function output(node: TaskNode, port: string): Buffer {
  return readFileSync(join(node.outputsDir, port));
}

/** Splits NUL-terminated records. */
export function nulRecords(data: Buffer): string[] {
  const text = data.toString("utf8");
  expect(text.endsWith("\0")).toBe(true);
  return text.slice(0, -1).split("\0");
}

export function listFiles(dir: string): string[] {
  return readdirSync(dir);
}

/** Python's json.dumps of each value (the reference the launcher's encoders must match). */
export function python(script: string, input: string): string {
  const result = spawnSync("python3", ["-c", script], { input, encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

/** A folder of links to every program on the PATH but perl: a machine without perl. */
export function pathWithoutPerl(): string {
  const bin = join(freshDir("no-perl"), "bin");
  mkdirSync(bin);
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name.startsWith("perl") || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}
