/**
 * The SDK's rules, in-process over `MemoryStorage` (the same code path a controller uses to run
 * TypeScript workers without a process). Real-process behaviour is in worker-process.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  defineWorker,
  MemoryStorage,
  serializeCallArgs,
  optional,
  t,
  worker,
  type CallArgs,
  type Handlers,
} from "../../src/runtime/index.js";

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

const point = t.struct("Point", [t.field("x", t.float64), t.field("y", t.float64)]);

interface ScaleInputs {
  p: { x: number; y: number };
  factor?: number;
  big?: bigint;
  note?: string;
}
interface Stats {
  count: bigint;
  mean: number;
  label?: string;
}

const geo = worker("geo", {
  scale: {
    inputs: {
      p: point,
      factor: optional(t.float64, 2),
      big: optional(t.int64, 1099511627776),
      note: optional(t.string),
    },
    output: point,
  },
  stats: {
    inputs: { xs: t.list(t.float64) },
    outputs: { count: t.uint64, mean: t.float64, label: optional(t.string) },
  },
  nothing: { inputs: {}, output: t.null },
});
type GeoHandlers = Handlers<typeof geo>;

function setup(fn: string, inputs: Record<string, string | Uint8Array>, outputs: string[]) {
  const storage = new MemoryStorage();
  const args: CallArgs = {
    function_name: fn,
    inputs: {},
    outputs: Object.fromEntries(outputs.map((o) => [o, `wf/-.N1/outputs/${o}`])),
    output_dir: "wf/-.N1/outputs",
    done_path: "wf/-.N1/_done",
    error_path: "wf/-.N1/_error",
    logs_path: "wf/logs",
  };
  Object.entries(inputs).forEach(([port, value], i) => {
    args.inputs[port] = `wf/-.N${10 + i}/outputs/value`;
    storage.put(args.inputs[port]!, value);
  });
  storage.put("wf/-.N1/definition", serializeCallArgs(args));
  const file = (p: string) => text(storage.files.get(storage.resolve(`wf/-.N1/${p}`)));
  return { storage, file, logs: () => text(storage.files.get("wf/logs")) ?? "" };
}

describe("worker SDK", () => {
  it("passes decoded inputs, applies defaults, and leaves out an absent optional input without one", async () => {
    let seen: ScaleInputs | undefined;
    const impl = defineWorker(geo, {
      scale: (i) => {
        seen = i;
        return { x: i.p.x * (i.factor ?? 1), y: i.p.y * (i.factor ?? 1) };
      },
      stats: () => ({ count: 0n, mean: 0 }),
      nothing: () => null,
    });
    const s = setup("scale", { p: '{"x": 1.5, "y": -1}' }, ["value"]);
    expect(await impl.runTask("wf/-.N1/definition", s.storage)).toBe(true);
    expect(seen).toEqual({ p: { x: 1.5, y: -1 }, factor: 2, big: 1099511627776n });
    expect("note" in seen!).toBe(false);
    expect(s.file("outputs/value")).toBe('{"x": 3.0, "y": -2.0}');
    expect(s.file("_done")).toBe("");
    expect(s.logs()).toMatch(/geo\.scale: started\n.*geo\.scale: done\n$/);
  });

  it("runs async handlers and writes one file per port for a port-mapped result", async () => {
    const impl = defineWorker(geo, {
      scale: ({ p }) => p,
      stats: async ({ xs }) => ({
        count: BigInt(xs.length),
        mean: xs.reduce((a, b) => a + b, 0) / xs.length,
        label: "ok",
      }),
      nothing: () => null,
    });
    const s = setup("stats", { xs: "[1, 2, 3.5]" }, ["count", "mean", "label"]);
    expect(await impl.runTask("wf/-.N1/definition", s.storage)).toBe(true);
    expect([s.file("outputs/count"), s.file("outputs/mean"), s.file("outputs/label")]).toEqual([
      "3",
      "2.1666666666666665",
      '"ok"',
    ]);
  });

  it("writes only the ports the call args list, but checks all of them", async () => {
    const impl = defineWorker(geo, {
      scale: ({ p }) => p,
      stats: () => ({ count: -1n, mean: 1 }),
      nothing: () => null,
    });
    const s = setup("stats", { xs: "[]" }, ["mean"]);
    expect(await impl.runTask("wf/-.N1/definition", s.storage)).toBe(false);
    expect(s.file("_error")).toBe(
      "stats: output 'count': expected uint64, got -1, out of range 0..18446744073709551615\n",
    );
    expect(s.file("outputs/mean")).toBeUndefined();
  });

  it("skips an optional output port the handler leaves out", async () => {
    const impl = defineWorker(geo, { scale: ({ p }) => p, stats: () => ({ count: 1n, mean: 1 }), nothing: () => null });
    const s = setup("stats", { xs: "[1]" }, ["count", "mean"]);
    expect(await impl.runTask("wf/-.N1/definition", s.storage)).toBe(true);
    expect(s.file("outputs/count")).toBe("1");
    expect(s.file("outputs/label")).toBeUndefined();
  });

  it("writes null for a null port", async () => {
    const impl = defineWorker(geo, { scale: ({ p }) => p, stats: () => ({ count: 1n, mean: 1 }), nothing: () => null });
    const s = setup("geo.nothing", {}, ["value"]);
    expect(await impl.runTask("wf/-.N1/definition", s.storage)).toBe(true);
    expect(s.file("outputs/value")).toBe("null");
  });

  const failures: [string, () => ReturnType<typeof setup>, Partial<GeoHandlers>, string][] = [
    [
      "a property that is not an output port",
      () => setup("stats", { xs: "[]" }, ["count"]),
      { stats: () => ({ count: 1n, mean: 1, extra: 2 }) as Stats },
      "stats: the result has property 'extra', which is not an output port of the task",
    ],
    [
      "a missing required output",
      () => setup("stats", { xs: "[]" }, ["count"]),
      { stats: () => ({ count: 1n }) as Stats },
      "stats: output 'mean': the handler returned no value for it",
    ],
    [
      "a nested value of the wrong type",
      () => setup("scale", { p: '{"x": 1, "y": 2}' }, ["value"]),
      { scale: () => ({ x: 1, y: "2" }) as unknown as { x: number; y: number } },
      `scale: output 'value': at .y: expected float64, got string "2"`,
    ],
    [
      "a nested input of the wrong type",
      () => setup("scale", { p: '{"x": 1, "y": true}' }, ["value"]),
      {},
      "scale: input 'p': at .y: expected float64, got boolean true (wf/-.N10/outputs/value)",
    ],
    [
      "an input the task does not declare",
      () => setup("scale", { p: '{"x": 1, "y": 2}', q: "1" }, ["value"]),
      {},
      "scale: call args give input 'q', which the task does not declare",
    ],
    [
      "a handler that throws something that is not an Error",
      () => setup("scale", { p: '{"x": 1, "y": 2}' }, ["value"]),
      {
        scale: () => {
          throw "plain string";
        },
      },
      "scale: the handler threw: plain string",
    ],
    [
      "a rejected promise",
      () => setup("scale", { p: '{"x": 1, "y": 2}' }, ["value"]),
      { scale: async () => Promise.reject(new RangeError("too far")) },
      "scale: the handler threw: too far",
    ],
  ];
  for (const [name, make, override, message] of failures) {
    it(`fails on ${name}`, async () => {
      const impl = defineWorker(geo, {
        scale: ({ p }) => p,
        stats: () => ({ count: 1n, mean: 1 }),
        nothing: () => null,
        ...override,
      });
      const s = make();
      const errors: string[] = [];
      expect(await impl.runTask("wf/-.N1/definition", s.storage, { onError: (m) => errors.push(m) })).toBe(false);
      expect(s.file("_error")).toBe(message + "\n");
      expect(errors).toEqual([message]);
      expect(s.file("_done")).toBeUndefined();
      expect([...s.storage.files.keys()].filter((k) => k.startsWith("wf/-.N1/outputs/"))).toEqual([]);
      expect(s.logs()).toContain(`failed: ${message}`);
    });
  }

  it("reports a storage failure as a task failure, prefixed by the task", async () => {
    const impl = defineWorker(geo, { scale: ({ p }) => p, stats: () => ({ count: 1n, mean: 1 }), nothing: () => null });
    const s = setup("scale", { p: '{"x": 1, "y": 2}' }, ["value"]);
    s.storage.writeOutput = async () => {
      throw new Error("disk full");
    };
    expect(await impl.runTask("wf/-.N1/definition", s.storage)).toBe(false);
    expect(s.file("_error")).toBe("scale: disk full\n");
    expect(s.file("_done")).toBeUndefined();
  });

  it("calls handlers with the handlers object as `this`", async () => {
    const handlers = {
      offset: 10,
      scale(this: { offset: number }, { p }: ScaleInputs) {
        return { x: p.x + this.offset, y: p.y };
      },
      stats: () => ({ count: 1n, mean: 1 }),
      nothing: () => null,
    };
    const impl = defineWorker(geo, handlers);
    const s = setup("scale", { p: '{"x": 1, "y": 2}' }, ["value"]);
    expect(await impl.runTask("wf/-.N1/definition", s.storage)).toBe(true);
    expect(s.file("outputs/value")).toBe('{"x": 11.0, "y": 2.0}');
  });

  it("refuses a handler object without a handler for every task (when tsc was bypassed)", () => {
    expect(() => defineWorker(geo, { scale: ({ p }: ScaleInputs) => p } as unknown as GeoHandlers)).toThrow(
      "geo: no handler for task 'stats' (got undefined)",
    );
  });
});
