import { formatDiagnostic } from "@typespec/compiler";
import type { Command } from "commander";
import { compileBareSpec, errorsOf } from "../tierkreis/bare-spec.js";

/**
 * `typespec-workers compile <spec>`: compiles a spec file as it is, including a bare Tierkreis
 * `schema.tsp` (no `import`, no `using`), and writes the workers' stubs, launchers and manifests.
 */
export function addCompileCommand(program: Command): void {
  program
    .command("compile")
    .description(
      "compile a worker spec (a bare Tierkreis schema.tsp works unchanged) and emit the workers, with Tierkreis Python stubs",
    )
    .argument("<spec>", "the .tsp file")
    .option("-o, --output-dir <dir>", "where to write one folder per worker", "workers")
    .option("--int64 <mode>", "int64/uint64/integer in TypeScript: bigint or number", "bigint")
    .option("--no-emit", "check the spec only")
    .action(async (spec: string, opts: { outputDir: string; int64: string; emit: boolean }) => {
      const result = await compileBareSpec(spec, {
        outputDir: opts.outputDir,
        noEmit: !opts.emit,
        // Tierkreis's Python stubs too: a bare spec is a Tierkreis worker's spec.
        emitterOptions: { int64: opts.int64, emit: ["stubs", "launchers", "manifests", "python"] },
      });
      for (const d of result.diagnostics) {
        process.stderr.write(`${formatDiagnostic(d, { pretty: process.stderr.isTTY === true })}\n`);
      }
      if (errorsOf(result).length > 0) {
        process.exitCode = 1;
        return;
      }
      if (opts.emit) process.stdout.write(`Workers written to ${opts.outputDir}\n`);
    });
}
