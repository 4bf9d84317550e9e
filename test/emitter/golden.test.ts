/**
 * Golden files for the generated `main.sh` and `worker.json`, one scenario per folder of
 * `test/fixtures/golden/`: the spec (`main.tsp`), optional emitter options (`options.json`), and
 * under `expected/` every launcher and descriptor the real compiler writes for it, compared byte
 * for byte. A worker folder without `main.sh` under `expected/` asserts that none is written.
 *
 * Scenarios use `launcher-runtime: shared` unless their options say otherwise, so their `main.sh`
 * holds only what the spec decides (header and task table); `embedded-runtime` shows the default,
 * with the runtime inside. A change to the bash runtime therefore changes that one golden only.
 *
 * After a deliberate change to what the emitter writes, rewrite the goldens and review the diff
 * (shellcheck the launchers: `shellcheck -x test/fixtures/golden/<scenario>/expected/<worker>/main.sh`):
 *
 *     UPDATE_FIXTURES=1 npx vitest run test/emitter/golden.test.ts
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { SHARED_RUNTIME_FILE, launcherRuntime } from "../../src/emitter/launcher-runtime.js";
import { renderSharedRuntime } from "../../src/emitter/launcher.js";
import { repoRoot, Tester } from "../support/tester.js";

const scenariosDir = join(repoRoot, "test/fixtures/golden");
const update = process.env.UPDATE_FIXTURES === "1";
const GOLDEN = /\/(main\.sh|worker\.json)$/;

const scenarios = readdirSync(scenariosDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

/** The scenario's spec as the tester takes it (it adds the library's import and `using` itself). */
function specOf(dir: string): string {
  return readFileSync(join(dir, "main.tsp"), "utf8")
    .replace(/^import "typespec-workers";\s*$/m, "")
    .replace(/^using Workers;\s*$/m, "");
}

function optionsOf(dir: string): Record<string, unknown> {
  const file = join(dir, "options.json");
  const own = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  return { "launcher-runtime": "shared", ...own };
}

/** Golden files under `expected/`, as paths relative to it. */
function expectedFiles(dir: string, prefix = ""): string[] {
  if (!existsSync(join(dir, prefix))) return [];
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? expectedFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

async function emit(dir: string): Promise<Record<string, string>> {
  const [{ outputs }, diagnostics] = await Tester.emit("typespec-workers", optionsOf(dir)).compileAndDiagnose(
    specOf(dir),
  );
  expect(diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return outputs;
}

it("has the scenarios issue #10 asks for", () => {
  expect(scenarios).toEqual(
    expect.arrayContaining(["command-ports", "stdio", "script", "scheduling", "embedded-runtime", "shared-runtime"]),
  );
});

describe.each(scenarios)("scenario %s", (scenario) => {
  const dir = join(scenariosDir, scenario);
  const expectedDir = join(dir, "expected");

  it("writes the golden main.sh and worker.json files, byte for byte", async () => {
    const outputs = await emit(dir);
    const written = Object.keys(outputs)
      .filter((f) => GOLDEN.test(`/${f}`))
      .sort();
    if (update) {
      rmSync(expectedDir, { recursive: true, force: true });
      for (const file of written) {
        mkdirSync(dirname(join(expectedDir, file)), { recursive: true });
        writeFileSync(join(expectedDir, file), outputs[file]!);
      }
    }
    expect(written, `files written for ${scenario}`).toEqual(expectedFiles(expectedDir).sort());
    for (const file of written) {
      expect(outputs[file], `${file} differs from ${join(expectedDir, file)}`).toBe(
        readFileSync(join(expectedDir, file), "utf8"),
      );
    }
  });

  it("has golden launchers that shellcheck passes (following the shared runtime)", () => {
    const launchers = expectedFiles(expectedDir).filter((f) => f.endsWith("/main.sh"));
    if (launchers.length === 0) return;
    // A copy with the runtime beside the worker folders, where a shared launcher sources it from.
    const copy = mkdtempSync(join(tmpdir(), "tw-golden-"));
    cpSync(expectedDir, copy, { recursive: true });
    writeFileSync(join(copy, SHARED_RUNTIME_FILE), renderSharedRuntime());
    for (const launcher of launchers) {
      const checked = spawnSync("shellcheck", ["-x", "main.sh"], {
        cwd: join(copy, dirname(launcher)),
        encoding: "utf8",
      });
      expect(checked.stdout + checked.stderr, launcher).toBe("");
      expect(checked.status, launcher).toBe(0);
    }
    rmSync(copy, { recursive: true, force: true });
  });

  it("writes the shared runtime exactly when a launcher sources it", async () => {
    const outputs = await emit(dir);
    const launchers = Object.keys(outputs).filter((f) => f.endsWith("/main.sh"));
    const shared = optionsOf(dir)["launcher-runtime"] === "shared" && launchers.length > 0;
    expect(Object.hasOwn(outputs, SHARED_RUNTIME_FILE)).toBe(shared);
    if (shared) expect(outputs[SHARED_RUNTIME_FILE]).toBe(renderSharedRuntime());
    if (shared) expect(outputs[SHARED_RUNTIME_FILE]!.endsWith(launcherRuntime())).toBe(true);
    for (const launcher of launchers) {
      expect(outputs[launcher]!.includes(`source "$tkr_runtime"`), launcher).toBe(shared);
    }
  });
});
