// The command line picks up workers.yaml beside the graph with no flag, takes --config, lets -e
// override the file, and refuses a bad file before anything runs.
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tw } from "../support/cli.js";
import { FIXTURE_WORKERS, tempDir } from "./support.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A graph module squaring with the Python worker, then echoing through the shell worker. */
function project(): string {
  const dir = tempDir();
  cpSync(FIXTURE_WORKERS, join(dir, "py-and-sh"), { recursive: true });
  writeFileSync(
    join(dir, "graph.mjs"),
    `import { graph } from ${JSON.stringify(join(repo, "dist/src/graph/index.js"))};
import { t, task } from ${JSON.stringify(join(repo, "dist/src/runtime/index.js"))};
const square = task({ worker: "pycalc", name: "square", inputs: [{ name: "n", type: t.integer }], outputs: [{ name: "value", type: t.integer }], shape: "value" });
const echo = task({ worker: "openssl_worker", name: "genrsa", inputs: [{ name: "n", type: t.integer }], outputs: [{ name: "value", type: t.integer }], shape: "value" });
const g = graph({ inputs: { n: t.integer }, output: t.integer, name: "pool" });
g.output(g.task(echo({ n: g.task(square({ n: g.inputs.n })) })));
export default g;
`,
  );
  return dir;
}

describe("typespec-workers run with a worker pool file", () => {
  it("picks up workers.yaml beside the graph with no flag, and marks the kind of each task", () => {
    const dir = project();
    writeFileSync(
      join(dir, "workers.yaml"),
      "workerDirs: [py-and-sh]\nworkers:\n  pycalc: { kind: python, uv: false }\n  openssl_worker: { kind: shell }\n",
    );
    const root = join(dir, "runs");
    const r = tw("run", join(dir, "graph.mjs"), "-i", '{"n": 12}', "--root", root, "--id", "x", "--no-progress");
    expect(r.stderr).not.toContain("error");
    expect(r.stdout.trim()).toBe("144");
    expect(existsSync(join(root, "x", "-.N1", "_kind"))).toBe(true);
  });

  it("takes --config, and -e on the command line wins over the file", () => {
    const dir = project();
    const config = join(dir, "elsewhere.yml");
    // The file runs the shell worker as a TypeScript worker, which it is not: refused up front.
    writeFileSync(
      config,
      "workerDirs: [py-and-sh]\ndefault: { kind: python, uv: false }\nworkers:\n  openssl_worker: { kind: node }\n",
    );
    const root = join(dir, "runs");
    const bad = tw(
      "run",
      join(dir, "graph.mjs"),
      "-i",
      '{"n": 3}',
      "--root",
      root,
      "--config",
      config,
      "--no-progress",
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(
      `${config}:4:27: openssl_worker: worker 'openssl_worker' not found: no TypeScript worker`,
    );
    expect(existsSync(root)).toBe(false);
    const good = tw(
      "run",
      join(dir, "graph.mjs"),
      "-i",
      '{"n": 3}',
      "--root",
      root,
      "--config",
      config,
      "-e",
      "openssl_worker=shell",
      "--no-progress",
    );
    expect(good.stderr).not.toContain("error");
    expect(good.stdout.trim()).toBe("9");
  });

  it("refuses a misspelt kind at its line before anything runs", () => {
    const dir = project();
    writeFileSync(join(dir, "workers.yaml"), "workerDirs: [py-and-sh]\nworkers:\n  pycalc: { kind: pyton }\n");
    const r = tw("run", join(dir, "graph.mjs"), "-i", '{"n": 3}', "--root", join(dir, "runs"), "--no-progress");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "workers.yaml")}:3:19: 'pyton' is not a valid kind`);
    expect(r.stderr).toContain("(did you mean 'python'?)");
    expect(existsSync(join(dir, "runs"))).toBe(false);
  });
});
