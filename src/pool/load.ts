/**
 * Where a pool configuration comes from: `--config FILE` / a path given in code, an object given
 * in code, or by default `workers.yaml` (then `workers.yml`, `workers.json`) beside the graph
 * module, else in the working folder. No file there means no configuration, not an error.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { objectSource, PoolConfigError, yamlSource, type ConfigSource } from "./config-source.js";
import type { PoolConfig } from "./config.js";

export const DEFAULT_CONFIG_NAMES = ["workers.yaml", "workers.yml", "workers.json"] as const;

/** The default configuration file beside `graphModule` (if given), else in `cwd`, if one exists. */
export function findPoolConfig(graphModule?: string, cwd = process.cwd()): string | undefined {
  const dirs = [...(graphModule ? [dirname(resolve(graphModule))] : []), resolve(cwd)];
  for (const dir of dirs) {
    for (const name of DEFAULT_CONFIG_NAMES) {
      const file = join(dir, name);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

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
