/** Reading a pool configuration: a file (YAML or JSON, with positions) or an object given in code. */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { objectSource, yamlSource, type ConfigSource } from "./config-source.js";
import { PoolConfigError } from "./pool-config-error.js";
import type { PoolConfig } from "./config.js";

/** Reads a configuration file, or wraps an object; syntax errors are problems at their line. */
export function readPoolConfig(config: string | PoolConfig, cwd = process.cwd()): ConfigSource {
  if (typeof config !== "string") return objectSource(config, resolve(cwd));
  const file = resolve(cwd, config);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new PoolConfigError([
      `cannot read the worker pool configuration ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    ]);
  }
  return yamlSource(file, text, dirname(file));
}
