// `results`: one JSON type per declared type (every integer a JSON number with all its digits),
// `-i` reading integers as exactly, and `results --out DIR` writing each port to a file.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tw } from "../support/cli.js";
import { shellWorker, tempDir } from "./support.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Outputs `small` and `big` (int64, from tasks) and `raw` (bytes that are not UTF-8), and the input `x` (int64) back. */
function module(dir: string): string {
  const file = join(dir, "numbers.mjs");
  writeFileSync(
    file,
    `import { graph } from ${JSON.stringify(join(repo, "dist/src/graph/index.js"))};
import { t, task } from ${JSON.stringify(join(repo, "dist/src/runtime/index.js"))};
const one = (name, type) => task({ worker: "num", name, inputs: [], outputs: [{ name: "value", type }], shape: "value" });
const g = graph({ inputs: { x: t.int64 }, output: { x: t.int64, small: t.int64, big: t.int64, raw: t.bytes }, name: "numbers" });
g.output({ x: g.inputs.x, small: g.task(one("small", t.int64)({})), big: g.task(one("big", t.int64)({})), raw: g.task(one("raw", t.bytes)({})) });
export default g;
`,
  );
  return file;
}

function numbers() {
  const dir = tempDir();
  const workers = join(dir, "workers");
  shellWorker(
    workers,
    "num",
    `case $function_name in
  small) echo 5 > "$output_value_file" ;;
  big) echo 1234567890123456789 > "$output_value_file" ;;
  raw) printf '\\377\\000\\001' > "$output_value_file" ;;
esac`,
  );
  const r = tw(
    "run",
    module(dir),
    "-w",
    workers,
    "-i",
    '{"x": 9007199254740993}',
    "--root",
    join(dir, "runs"),
    "--id",
    "n",
    "--no-progress",
  );
  return { dir, run: join(dir, "runs", "n"), r };
}

describe("results", () => {
  it("prints every int64 as a JSON number with all its digits, small or large, and reads -i exactly", () => {
    const { run, r } = numbers();
    const expected =
      '{\n  "x": 9007199254740993,\n  "small": 5,\n  "big": 1234567890123456789,\n  "raw": {\n    "bytes_base64": "/wAB"\n  }\n}\n';
    expect(r.stderr).not.toContain("error");
    expect([r.status, r.stdout]).toEqual([0, expected]);
    expect(tw("results", run)).toMatchObject({ status: 0, stdout: expected });
  });

  it("--out DIR writes each port to a file: bytes raw, other values as JSON", () => {
    const { dir, run } = numbers();
    const out = join(dir, "out");
    const r = tw("results", run, "--out", out);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(["big", "raw", "small", "x"].map((p) => join(out, p)));
    expect([...readFileSync(join(out, "raw"))]).toEqual([0xff, 0x00, 0x01]);
    expect(readFileSync(join(out, "big"), "utf8")).toBe("1234567890123456789\n");
    expect(readFileSync(join(out, "x"), "utf8")).toBe("9007199254740993\n");
  });
});
