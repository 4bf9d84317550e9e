import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bin, run } from "../support/project.js";
import { repoRoot } from "../support/tester.js";

/** The README's main job, step by step, as `npm run example` runs it. */
describe("examples", () => {
  const examples = join(repoRoot, "examples");

  it("compile, type-check strictly against the generated stubs, and run for real", async () => {
    const compiled = await run(join(bin, "tsp"), ["compile", "examples"], repoRoot);
    expect(compiled.code, compiled.stdout + compiled.stderr).toBe(0);

    const checked = await run(join(bin, "tsc"), ["-p", "examples"], repoRoot);
    expect(checked.stdout + checked.stderr).toBe("");

    // openssl through its generated launcher, the auth worker in TypeScript.
    const signing = await run(join(bin, "node"), [join(examples, "signing.ts")], repoRoot);
    expect(signing.stderr).toContain("done    openssl_worker.genrsa -.N3");
    expect(signing.stdout).toMatch(/^signature verified: true \(checkpoints in .*examples\/runs\/[0-9a-f-]+\)$/m);
    expect(signing.code).toBe(0);

    // A map of a stdin/stdout task (wc -w) over three sentences, folded by another (jq add).
    // Counted by hand: 4, 3 and 9 words.
    const words = await run(join(bin, "node"), [join(examples, "word-counts.ts")], repoRoot);
    expect(words.stdout).toContain("words per sentence: 4, 3, 9; total 16");
    expect(words.code).toBe(0);
  }, 120_000);
});
