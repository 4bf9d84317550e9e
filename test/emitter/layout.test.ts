import { describe, expect, it } from "vitest";
import { collectWorkers } from "../../src/model/collect.js";
import { stubsStructure } from "../../src/emitter/stubs.js";
import { printWithLayout, printWithPrettier } from "../../src/emitter/print-stubs.js";
import { Tester } from "../support/tester.js";

/**
 * The fast layout must write exactly what prettier writes. Specs are generated from a seeded
 * random source with names of every length, so that lines land on both sides of the print width.
 */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  // Mostly the lengths real specs use, sometimes long enough to cross the print width.
  const name = (max: number) => {
    const letters = "abcdefghijklmnopqrstuvwxyz_";
    let out = pick("abcdefghijklmnopqrstuvwxyz".split(""));
    for (let i = 1 + int(int(4) === 0 ? max : Math.min(max, 10)); i > 1; i--) out += pick(letters.split(""));
    return out;
  };
  return { int, pick, name };
}

function generateSpec(seed: number): string {
  const r = random(seed);
  const scalars = ["int32", "int64", "string", "bytes", "boolean", "float64", "uint8", "url"];
  const lines: string[] = [];
  const models: string[] = [];
  for (let m = 0; m < 1 + r.int(3); m++) {
    const name = `M${m}${r.name(20)}`;
    const fields = Array.from(
      { length: 1 + r.int(5) },
      (_, i) => `f${i}${r.name(25)}${r.int(3) === 0 ? "?" : ""}: ${r.pick(scalars)};`,
    );
    lines.push(`model ${name} { ${fields.join(" ")} }`);
    models.push(name);
  }
  const enumName = `E${r.name(15)}`;
  lines.push(
    `enum ${enumName} { ${Array.from({ length: 1 + r.int(8) }, (_, i) => `${r.int(2) ? "/** doc */ " : ""}m${i}${r.name(10)}${r.int(2) ? `: "${r.name(12)}"` : ""}`).join(", ")} }`,
  );
  const portmapping = `P${r.name(20)}`;
  lines.push(
    `@portmapping model ${portmapping} { ${Array.from({ length: 1 + r.int(4) }, (_, i) => `o${i}${r.name(20)}: ${r.pick(scalars)};`).join(" ")} }`,
  );
  const type = (): string => {
    switch (r.int(8)) {
      case 0:
        return `${r.pick(scalars)}[]`;
      case 1:
        return `Record<${r.pick(scalars)}>`;
      case 2:
        return Array.from({ length: 2 + r.int(7) }, () => `"${r.name(14)}"`).join(" | ");
      case 3:
        return r.pick(models);
      case 4:
        return `${r.pick(models)}[] | null`;
      case 5:
        return enumName;
      default:
        return r.pick(scalars);
    }
  };
  const ops = Array.from({ length: 1 + r.int(5) }, (_, o) => {
    const params = Array.from({ length: r.int(7) }, (_, i) => {
      const t = type();
      const dflt =
        t === "int32" && r.int(2) ? ` = ${r.int(100000)}` : t === "string" && r.int(2) ? ` = "${r.name(30)}"` : "";
      return `p${i}${r.name(24)}${dflt ? "" : r.int(4) === 0 ? "?" : ""}: ${t}${dflt}`;
    });
    return `op${o}${r.name(28)}(${params.join(", ")}): ${r.int(2) ? portmapping : type()};`;
  });
  lines.push(`interface w${r.name(30)} { ${ops.join(" ")} }`);
  return lines.join("\n");
}

describe("fast stubs layout", () => {
  it("writes byte for byte what prettier writes, on 60 generated specs", async () => {
    let fastPath = 0;
    let files = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const source = generateSpec(seed);
      const { program } = await Tester.compile(source);
      const { workers, diagnostics } = collectWorkers(program);
      expect(diagnostics, source).toEqual([]);
      for (const worker of workers) {
        const file = stubsStructure(program, worker, { bigints: true, runtimeModule: "typespec-workers/runtime" });
        const fast = printWithLayout(file);
        files++;
        if (fast === undefined) continue;
        fastPath++;
        expect(fast, `seed ${seed}:\n${source}`).toBe(await printWithPrettier(file));
      }
    }
    // Most files must take the fast path, or this test would compare nothing.
    expect(fastPath).toBeGreaterThan(files / 2);
  }, 120_000);
});
