// Helpers for pool tests: a copy of the fixture workers, tasks of the Python fixture worker.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { task, t, type Task } from "../../src/runtime/index.js";
import type { ValueType } from "../../src/contract/value-type.js";
import type { TsOf, TsOfPorts } from "../../src/runtime/ts-of.js";

export const FIXTURE_WORKERS = join(import.meta.dirname, "fixtures", "workers");

export function tempDir(prefix = "tw-pool-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh copy of the fixture workers (tests add `.venv`s or launchers to it). */
export function workersCopy(): string {
  const dir = tempDir();
  cpSync(FIXTURE_WORKERS, dir, { recursive: true });
  return dir;
}

/** A one-output task whose input and output types follow from the descriptors given. */
export function valueTask<P extends Record<string, ValueType>, D extends ValueType>(
  worker: string,
  name: string,
  inputs: P,
  out: D,
) {
  return task<TsOfPorts<P>, TsOf<D>, "value">({
    worker,
    name,
    inputs: Object.entries(inputs).map(([n, type]) => ({ name: n, type })),
    outputs: [{ name: "value", type: out }],
    shape: "value",
  }) as Task<TsOfPorts<P>, TsOf<D>, "value">;
}

export const py = {
  divmod: task<{ a: bigint; b: bigint }, { q: bigint; r: bigint }, "ports">({
    worker: "pycalc",
    name: "divmod",
    inputs: [
      { name: "a", type: t.integer },
      { name: "b", type: t.integer },
    ],
    outputs: [
      { name: "q", type: t.integer },
      { name: "r", type: t.integer },
    ],
    shape: "ports",
  }) as Task<{ a: bigint; b: bigint }, { q: bigint; r: bigint }, "ports">,
  reverse: valueTask("pycalc", "reverse", { data: t.bytes }, t.bytes),
  square: valueTask("pycalc", "square", { n: t.integer }, t.integer),
  half: valueTask("pycalc", "half", { x: t.float64 }, t.float64),
  fail: valueTask("pycalc", "fail", { n: t.int32 }, t.int32),
  crash: valueTask("pycalc", "crash", { n: t.int32 }, t.int32),
  env: valueTask("pycalc", "env", { n: t.int32 }, t.string),
  lazy: valueTask("pycalc", "lazy", { n: t.int32 }, t.int32),
};
