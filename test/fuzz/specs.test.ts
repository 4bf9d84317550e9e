/**
 * The spec fuzzer: generated specs (see `spec-generator.ts`) compiled by the real compiler with
 * this library. Whatever the spec, the compiler does not crash and every problem is a located
 * diagnostic; whatever it emits loads in Node, passes `tsc --strict` (stubs) and `bash -n`
 * (launchers). Seeds are fixed: `FUZZ_SEED=<n>` runs specs `n*1000 + kind*100 + i`, so spec 4101 is
 * replayed by `FUZZ_SEED=4` (not `FUZZ_SEED=4101`, which runs 4101100 and on); a failure names its
 * spec's seed, its file and the `FUZZ_SEED` that replays it. `SOAK=1` (`npm run soak`) runs many more.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { compile, getSourceLocation, NodeHost, NoTarget, type Diagnostic } from "@typespec/compiler";
import { describe, expect, it } from "vitest";
import {
  filesNamed,
  launchersThatDoNotParse,
  strictTypeErrors,
  stubsThatDoNotLoad,
  type FileProblem,
} from "../support/generated-checks.js";
import { scratchDir } from "../support/project.js";
import { repoRoot } from "../support/tester.js";
import { generateMutatedSpec, generateSpec } from "./spec-generator.js";

const soak = process.env.SOAK === "1";
const firstSeed = Number(process.env.FUZZ_SEED ?? 1);
/**
 * Batches of each kind, and workers per batch: about 350 workers per `npm test` (emitted ones
 * cost most: `tsc` and `bash -n` over each), thousands in a soak.
 */
const size = soak
  ? { accepted: 12, acceptedWorkers: 120, hostile: 12, hostileWorkers: 60, mutated: 20, mutatedWorkers: 20 }
  : { accepted: 2, acceptedWorkers: 60, hostile: 2, hostileWorkers: 80, mutated: 3, mutatedWorkers: 25 };

interface Compiled {
  readonly seed: number;
  readonly specFile: string;
  readonly outDir: string;
  readonly diagnostics: readonly Diagnostic[];
}

const root = scratchDir("fuzz");

/** Compiles one generated spec in its own project folder, emitting with this library. */
async function compileSpec(kind: string, seed: number, text: string): Promise<Compiled> {
  const dir = join(root, `${kind}-${seed}`);
  mkdirSync(dir, { recursive: true });
  const specFile = join(dir, "main.tsp");
  writeFileSync(specFile, text);
  const outDir = join(dir, "out");
  let program;
  try {
    program = await compile(NodeHost, specFile, { emit: ["typespec-workers"], outputDir: outDir });
  } catch (error) {
    throw new Error(`compiler crashed on seed ${seed} (${rel(specFile)}; ${replay(seed)}):\n${(error as Error).stack}`);
  }
  return { seed, specFile, outDir, diagnostics: program.diagnostics };
}

function rel(file: string): string {
  return relative(repoRoot, file);
}

/** Diagnostics an editor could not show at a place in the spec. */
function unlocated(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics
    .filter((d) => {
      if (d.target === NoTarget) return true;
      const location = getSourceLocation(d.target);
      return !location || location.isSynthetic;
    })
    .map((d) => `${d.code}: ${d.message}`);
}

/**
 * Unlocated diagnostics that are ours: those the compiler also gives for the same spec without this
 * library are the compiler's own (TypeSpec 1.17 reports `model M { x?: int8 | float32 = 1 }` as
 * `ambiguous-scalar-type` at `<unknown location>`, found by mutated seed 2316 under SOAK=1) and not
 * ours to locate. Only a spec with unlocated diagnostics is compiled a second time.
 */
async function unlocatedOfOurs(result: Compiled): Promise<string[]> {
  const found = unlocated(result.diagnostics);
  if (found.every((d) => d.startsWith("typespec-workers/"))) return found;
  const text = readFileSync(result.specFile, "utf8").replace(/^(import "typespec-workers";|using Workers;)$/gm, "");
  const bare = join(dirname(result.specFile), "without-library.tsp");
  writeFileSync(bare, text);
  const alone = new Set(unlocated((await compile(NodeHost, bare, { noEmit: true })).diagnostics));
  return found.filter((d) => !alone.has(d));
}

function describeProblems(problems: readonly FileProblem[]): string {
  return problems
    .slice(0, 10)
    .map((p) => `${rel(p.file)}: ${p.problem}`)
    .join("\n");
}

/** How to run a spec's seed again: by the `FUZZ_SEED` its batch was made from. */
function replay(seed: number): string {
  return `rerun with ${soak ? "SOAK=1 " : ""}FUZZ_SEED=${Math.floor(seed / 1000)}`;
}

function seeds(kind: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => firstSeed * 1000 + kind * 100 + i);
}

describe("spec fuzzer", () => {
  const emitted: Compiled[] = [];

  it.each(seeds(1, size.accepted))("accepted specs compile with no error and emit (seed %i)", async (seed) => {
    const result = await compileSpec("accepted", seed, generateSpec(seed, size.acceptedWorkers, "accepted"));
    const errors = result.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => {
        const at = getSourceLocation(d.target as never);
        const line = at ? at.file.text.slice(0, at.pos).split("\n").length : "?";
        return `${rel(result.specFile)}:${line} ${d.code}: ${d.message}`;
      });
    expect(errors, `seed ${seed} (${replay(seed)})`).toEqual([]);
    expect(await unlocatedOfOurs(result), `seed ${seed} (${replay(seed)})`).toEqual([]);
    expect(filesNamed(result.outDir, "stubs.ts")).toHaveLength(size.acceptedWorkers);
    emitted.push(result);
  });

  it.each(seeds(2, size.hostile))("hostile specs give located diagnostics, no crash (seed %i)", async (seed) => {
    const result = await compileSpec("hostile", seed, generateSpec(seed, size.hostileWorkers, "hostile"));
    expect(
      result.diagnostics.some((d) => d.code.startsWith("typespec-workers/")),
      `seed ${seed}: no diagnostic from this library (${replay(seed)})`,
    ).toBe(true);
    expect(await unlocatedOfOurs(result), `seed ${seed}: ${rel(result.specFile)} (${replay(seed)})`).toEqual([]);
    if (!result.diagnostics.some((d) => d.severity === "error")) emitted.push(result);
  });

  it.each(seeds(3, size.mutated))("mutated specs give located diagnostics, no crash (seed %i)", async (seed) => {
    const result = await compileSpec("mutated", seed, generateMutatedSpec(seed, size.mutatedWorkers));
    expect(await unlocatedOfOurs(result), `seed ${seed}: ${rel(result.specFile)} (${replay(seed)})`).toEqual([]);
    if (!result.diagnostics.some((d) => d.severity === "error")) emitted.push(result);
  });

  describe("every emitted file", () => {
    const seedsOf = (files: readonly FileProblem[]) =>
      [...new Set(files.map((f) => emitted.find((e) => f.file.startsWith(e.outDir))?.seed ?? "?"))].join(", ");

    it("stubs load in node", async () => {
      const stubs = emitted.flatMap((e) => filesNamed(e.outDir, "stubs.ts"));
      expect(stubs.length).toBeGreaterThan(0);
      const problems = await stubsThatDoNotLoad(stubs);
      expect(problems, `seeds ${seedsOf(problems)}:\n${describeProblems(problems)}`).toEqual([]);
    });

    it("stubs pass tsc --strict", async () => {
      const problems = await strictTypeErrors(root);
      expect(problems, `seeds ${seedsOf(problems)}:\n${describeProblems(problems)}`).toEqual([]);
    });

    it("launchers pass bash -n", () => {
      const launchers = emitted.flatMap((e) => filesNamed(e.outDir, "main.sh"));
      expect(launchers.length).toBeGreaterThan(0);
      const problems = launchersThatDoNotParse(launchers);
      expect(problems, `seeds ${seedsOf(problems)}:\n${describeProblems(problems)}`).toEqual([]);
    });
  });
});
