/**
 * `typespec-workers init [dir]`: a new worker project that compiles and runs its example graph
 * with `npm start`, as Tierkreis's `tkr init` makes one. The files come from `templates/`, the same
 * ones `tsp init <path>/templates/scaffolding.json` uses, so both ways give the same project.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "commander";

// dist/src/cli/init-command.js → the package root.
const packageRoot = new URL("../../../", import.meta.url).pathname;
const templates = join(packageRoot, "templates");

interface Template {
  readonly compilerVersion: string;
  readonly files: readonly { readonly path: string; readonly destination: string }[];
}

/** `{{key}}` → value; the templates use plain variables only, so no Mustache library is needed. */
function render(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new Error(`template variable ${whole} has no value`);
    return v;
  });
}

export function addInitCommand(program: Command): void {
  program
    .command("init")
    .description("make a new worker project (spec, tspconfig.yaml, package.json, tsconfig, example graph)")
    .argument("[dir]", "the project folder (made if missing; must be empty)", ".")
    .option("--name <name>", "the package name (default: the folder's name)")
    .option("--package <spec>", "how package.json names typespec-workers (a version range, or file:<tarball>)")
    .option("--no-install", "write the files only; do not run npm install")
    .action((dir: string, opts: { name?: string; package?: string; install: boolean }) => {
      const target = resolve(dir);
      if (existsSync(target) && readdirSync(target).some((f) => f !== ".git")) {
        process.stderr.write(
          `typespec-workers init: ${target} is not empty; init makes a new project in an empty folder\n`,
        );
        process.exitCode = 2;
        return;
      }
      const own = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
      const index = JSON.parse(readFileSync(join(templates, "scaffolding.json"), "utf8")) as Record<string, Template>;
      const template = index["worker-project"]!;
      const name =
        opts.name ??
        basename(target)
          .toLowerCase()
          .replace(/[^a-z0-9._-]+/g, "-");
      const vars = { name, compilerVersion: template.compilerVersion, packageSpec: opts.package ?? `^${own.version}` };
      for (const file of template.files) {
        const text = readFileSync(join(templates, file.path), "utf8");
        const out = join(target, file.destination);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, file.path.endsWith(".mu") ? render(text, vars) : text);
      }
      process.stdout.write(`Created ${name} in ${target}\n`);
      if (opts.install) {
        process.stdout.write("Installing (npm install)...\n");
        execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
          cwd: target,
          stdio: "inherit",
        });
      }
      const cd = dir === "." ? "" : `cd ${dir} && `;
      process.stdout.write(`Next: ${cd}${opts.install ? "" : "npm install && "}npm start\n`);
    });
}
