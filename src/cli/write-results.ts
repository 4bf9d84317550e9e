/**
 * `results --out DIR`: each output port of the graph to its own file `DIR/<port>`: bytes as the
 * raw bytes, every other value as the JSON `results` prints for it.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { RunResults } from "../graph/status.js";
import { showValue } from "./show-value.js";

export async function writeResults(results: RunResults, outDir: string): Promise<string[]> {
  const dir = resolve(outDir);
  for (const p of results.ports) {
    if (p.name === "" || p.name === "." || p.name === ".." || /[/\\\0]/.test(p.name)) {
      throw new Error(`output port ${JSON.stringify(p.name)} cannot be a file name in ${dir}`);
    }
  }
  await mkdir(dir, { recursive: true });
  return Promise.all(
    results.ports.map(async (p) => {
      const file = join(dir, p.name);
      await writeFile(file, p.value instanceof Uint8Array ? p.value : showValue(p.value) + "\n");
      return file;
    }),
  );
}
