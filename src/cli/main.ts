#!/usr/bin/env node
/**
 * The `typespec-workers` command. Each subcommand lives in its own module and registers itself
 * here.
 */
import { Command } from "commander";
import { addCompileCommand } from "./compile-command.js";
import { addRunCommands } from "./run-commands.js";

const program = new Command("typespec-workers").description(
  "Typed workflow workers from TypeSpec: compile specs, run graphs, inspect runs.",
);
addCompileCommand(program);
addRunCommands(program);

await program.parseAsync(process.argv);
