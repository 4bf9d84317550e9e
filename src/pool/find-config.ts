/**
 * The default pool configuration: `workers.yaml` (then `workers.yml`, `workers.json`) beside the
 * graph module, else in the working folder. No file there means no configuration, not an error.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

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
