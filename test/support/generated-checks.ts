/**
 * What every generated file must pass, whatever the spec: stubs load in Node (an `Identifier has
 * already been declared` fails here) and type-check under `tsc --strict`; launchers parse
 * (`bash -n`). Each check runs once over many files, so a suite can check hundreds of workers.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { bin, childEnv, run } from "./project.js";
import { repoRoot } from "./tester.js";

export interface FileProblem {
  readonly file: string;
  readonly problem: string;
}

/** Every file under `dir` whose name is `name`. */
export function filesNamed(dir: string, name: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f === name || f.endsWith(`/${name}`))
    .map((f) => join(dir, f))
    .sort();
}

/** Stubs that do not load in Node (the repository's package resolves `typespec-workers/runtime`). */
export async function stubsThatDoNotLoad(files: readonly string[]): Promise<FileProblem[]> {
  if (files.length === 0) return [];
  const result = await run(process.execPath, [join(repoRoot, "test/support/import-all.mjs"), ...files], repoRoot);
  if (result.code !== 0) {
    const last =
      result.stderr
        .match(/^importing (.*)$/gm)
        ?.at(-1)
        ?.slice("importing ".length) ?? "(all)";
    return [
      {
        file: last,
        problem: `node exited with status ${result.code} while importing it: ${result.stderr.split("\n").slice(-8).join("\n")}`,
      },
    ];
  }
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const { file, error } = JSON.parse(line) as { file: string; error: string };
      return { file, problem: error };
    });
}

/** `tsc --strict` errors in the `.ts` files under `dir`, one entry per error. */
export async function strictTypeErrors(dir: string): Promise<FileProblem[]> {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2023",
        lib: ["ES2023"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        types: [],
        skipLibCheck: true,
      },
      include: ["**/*.ts"],
    }),
  );
  const result = await run(join(bin, "tsc"), ["-p", "."], dir);
  if (result.code === 0) return [];
  const errors = [...result.stdout.matchAll(/^(.+?)\(\d+,\d+\): error (TS\d+: .*)$/gm)].map((m) => ({
    file: join(dir, m[1]!),
    problem: m[2]!,
  }));
  return errors.length > 0 ? errors : [{ file: dir, problem: result.stdout + result.stderr }];
}

/** Launchers that `bash -n` refuses. */
export function launchersThatDoNotParse(files: readonly string[]): FileProblem[] {
  return files.flatMap((file) => {
    const r = spawnSync("bash", ["-n", file], { encoding: "utf8", env: childEnv });
    return r.status === 0
      ? []
      : [{ file: relative(repoRoot, file), problem: r.stderr || `bash -n exited ${r.status}` }];
  });
}
