/**
 * One graph with every node kind upstream's run layout has folders for: a named loop, a map, an
 * eval, a lazy and an eager if-else, consts, inputs and outputs, calling only upstream's builtins
 * (so upstream's controller runs it too, with no worker of ours). Used by the run-layout tests, the
 * recording script (record/record_layout.py) and bench/layout.bench.mjs.
 *
 * n = 4: the loop sums 0..3 (total 6, 4 iterations), the map doubles [1, 2, 3], the eval adds.
 */
import { graph } from "../../src/graph/index.js";
import type { TaskSignature } from "../../src/runtime/task.js";
import { t, type ValueType } from "../../src/contract/value-type.js";

const int = t.int64AsNumber;
const builtin = (name: string, output: ValueType = int): TaskSignature => ({
  worker: "builtins",
  name,
  inputs: [
    { name: "a", type: int },
    { name: "b", type: int },
  ],
  outputs: [{ name: "value", type: output }],
  shape: "value",
});
const iadd = builtin("iadd");
const itimes = builtin("itimes");
const igt = builtin("igt", t.boolean);
const call = (task: TaskSignature, a: unknown, b: unknown) => ({ task, inputs: { a, b } }) as never;

/** One step of the loop: total += i; i += 1; again while n > i. */
const step = graph({
  name: "step",
  inputs: { i: int, total: int, n: int },
  output: { i: int, total: int, should_continue: t.boolean },
});
{
  const { i, total, n } = step.inputs;
  const next = step.task<number, "value">(call(iadd, i, step.const(1, int)));
  step.output({
    i: next,
    total: step.task<number, "value">(call(iadd, total, i)),
    should_continue: step.task<boolean, "value">(call(igt, n, next)),
  });
}

const double = graph({ name: "double", inputs: { x: int }, output: int });
double.output(double.task<number, "value">(call(itimes, double.inputs.x, double.const(2, int))));

const add = graph({ name: "add", inputs: { a: int, b: int }, output: int });
add.output(add.task<number, "value">(call(iadd, add.inputs.a, add.inputs.b)));

export const layoutGraph = graph({
  name: "layout",
  inputs: { n: int },
  output: { total: int, doubled: t.list(int), sum: int, chosen: int, eager: int },
});
{
  const g = layoutGraph;
  const zero = g.const(0, int);
  const loop = g.loop(step, { i: zero, total: zero, n: g.inputs.n }, { name: "count" });
  const doubled = g.map(double, { x: g.each(g.const([1, 2, 3], t.list(int))) });
  const sum = g.eval(add, { a: loop.total, b: g.inputs.n });
  const big = g.task<boolean, "value">(call(igt, sum, g.const(5, int)));
  g.output({
    total: loop.total,
    doubled,
    sum,
    chosen: g.ifElse(big, sum, zero),
    eager: g.ifElse(big, g.inputs.n, zero, { eager: true }),
  });
}

/** The inputs the tests and the recording use, and what the graph gives for them. */
export const layoutInputs = { n: 4 };
export const layoutOutputs = { total: 6, doubled: [2, 4, 6], sum: 10, chosen: 10, eager: 4 };
/** Each iteration's outputs of the loop named `count`. */
export const countTrace = [0, 1, 2, 3].map((i) => ({ i: i + 1, total: ((i + 1) * i) / 2, should_continue: i + 1 < 4 }));
