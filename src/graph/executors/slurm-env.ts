/**
 * The worker contract's environment for a task, computed on the controller and written into the
 * job script, so a job sees exactly what the local shell executor gives a launcher
 * (`contract-env.ts`), whatever the site's `--export` policy. The checkpoints live on a file
 * system the compute nodes share.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCallArgs, type CallArgs } from "../../runtime/call-args.js";
import type { TaskLaunch } from "../executor.js";
import { contractEnv } from "./contract-env.js";
import { timeLimitEnv } from "./time-limit.js";

const PORT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The contract variables for a launch; throws a message naming the definition file if unreadable. */
export function contractEnvironment(
  launch: TaskLaunch,
  /** Variables for the launcher besides the contract's (the compiled string codec's path). */
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const definitionFile = join(launch.root, launch.definitionPath);
  // `callArgs` (the args the controller just wrote) saves reading the file back, when present.
  const args = (launch as { readonly callArgs?: CallArgs }).callArgs ?? readDefinition(definitionFile);
  for (const [direction, ports] of [
    ["input", args.inputs],
    ["output", args.outputs],
  ] as const) {
    for (const port of Object.keys(ports)) {
      // The names become `export` lines of the job script. The spec checks them; a hand-written
      // definition could still hold anything.
      if (!PORT.test(port)) {
        throw new Error(`${definitionFile}: ${direction} port ${JSON.stringify(port)} cannot be a variable name`);
      }
    }
  }
  return {
    ...extra,
    ...contractEnv(launch.root, args, definitionFile, join(launch.root, launch.workflowId, "logs")),
    ...timeLimitEnv(launch),
  };
}

function readDefinition(file: string): CallArgs {
  try {
    return parseCallArgs(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the task's call arguments ${file}: ${(error as Error).message}`);
  }
}
