// Helpers for graph tests: temp folders, hand-written shell workers, a one-task stub.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { t, task, type Task } from "../../src/runtime/index.js";
import type { ValueType } from "../../src/contract/value-type.js";

export function tempDir(prefix = "tw-graph-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Write `<dir>/<worker>/main.sh` (not executable: run through bash, as upstream). */
export function shellWorker(
  dir: string,
  worker: string,
  script: string,
  options: { executable?: boolean } = {},
): string {
  mkdirSync(join(dir, worker), { recursive: true });
  const file = join(dir, worker, "main.sh");
  writeFileSync(file, `#!/usr/bin/env bash\nset -eu\n${script}\n`);
  if (options.executable) chmodSync(file, 0o755);
  return file;
}

/** A task taking int32 inputs and giving one int32 `value`, for hand-written workers. */
export function intTask<K extends string>(
  worker: string,
  name: string,
  inputs: readonly K[],
  out: ValueType = t.int32,
) {
  return task<Record<K, number>, number, "value">({
    worker,
    name,
    inputs: inputs.map((n) => ({ name: n, type: t.int32 })),
    outputs: [{ name: "value", type: out }],
    shape: "value",
  }) as Task<Record<K, number>, number, "value">;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `stepper` worker of the kill and lock tests: each task records its pid (so a test can stop
 * what a killed controller left running) and its start (to count reruns), takes a moment, and
 * writes ten times its input.
 */
export function stepperWorker(dir: string): string {
  return shellWorker(
    dir,
    "stepper",
    `x=$(cat "$input_x_file")
mkdir -p "$TKR_DIR/pids"; echo $$ > "$TKR_DIR/pids/$x"
echo "start $x" >> "$TKR_DIR/counter"
sleep 0.3
echo $(( x * 10 )) > "$output_value_file"
touch "$done_path"`,
  );
}

const repo = join(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * A graph module for `typespec-workers run` (`<dir>/<graph>.mjs`): one task, each of its inputs
 * fed by the graph input of the same name, its `value` the graph's output. Types are names of
 * `t` (`int32`, `string`). It imports the built package by path (the module lies outside the
 * repository).
 */
export function taskModule(
  dir: string,
  graph: string,
  op: { worker: string; task: string; inputs: Record<string, string>; output: string },
): string {
  const file = join(dir, `${graph}.mjs`);
  const q = JSON.stringify;
  const ports = Object.entries(op.inputs);
  writeFileSync(
    file,
    `import { graph } from ${q(join(repo, "dist/src/graph/index.js"))};
import { t, task } from ${q(join(repo, "dist/src/runtime/index.js"))};
const op = task({ worker: ${q(op.worker)}, name: ${q(op.task)}, inputs: [${ports.map(([n, type]) => `{ name: ${q(n)}, type: t.${type} }`).join(", ")}], outputs: [{ name: "value", type: t.${op.output} }], shape: "value" });
const g = graph({ inputs: { ${ports.map(([n, type]) => `${n}: t.${type}`).join(", ")} }, output: t.${op.output}, name: ${q(graph)} });
g.output(g.task(op({ ${ports.map(([n]) => `${n}: g.inputs.${n}`).join(", ")} })));
export default g;
`,
  );
  return file;
}

/** The `calc` worker's `add` on the graph inputs `a` and `b` (see taskModule). */
export function adderModule(dir: string): string {
  return taskModule(dir, "adder", { worker: "calc", task: "add", inputs: { a: "int32", b: "int32" }, output: "int32" });
}
