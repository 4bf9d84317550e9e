/**
 * The `typespec-workers` command. Each subcommand lives in its own module and registers itself
 * here.
 */
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { addCompileCommand } from "./compile-command.js";
import { addInitCommand } from "./init-command.js";
import { addRunCommands } from "./run-commands.js";
import { addViewCommands } from "../view/commands.js";

// dist/src/cli/main.js → the package's own package.json.
const { version } = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const program = new Command("typespec-workers")
  .description("Typed workflow workers from TypeSpec: compile specs, run graphs, inspect runs.")
  .version(version);
addCompileCommand(program);
addInitCommand(program);
addRunCommands(program);
addViewCommands(program);

await program.parseAsync(process.argv);
