/**
 * Issue 9 #7: on a full disk a task fails naming itself and the file, and never leaves part of a
 * value where a finished one would be. A real full file system: a 64 KiB tmpfs mounted on the
 * node's folders (the tests run as root; without the right to mount they are skipped, saying so).
 * With the compiled string codec (what executors hand launchers) and with the Perl one.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CODEC_BIN_ENV, nativeCodec } from "../../src/graph/executors/native-codec.js";
import { baseEnv, buildFixture, freshDir, layoutNode, runLauncher, type BuiltWorker } from "./support.js";

const mounted: string[] = [];

function mountTmpfs(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  const result = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { encoding: "utf8" });
  if (result.status !== 0) return (result.error?.message ?? result.stderr).trim() || `status ${result.status}`;
  mounted.push(dir);
  return undefined;
}

function unmountAll(): void {
  for (const dir of mounted.splice(0)) spawnSync("umount", [dir]);
}

const probeDir = freshDir("mount-probe");
const refused = mountTmpfs(probeDir);
unmountAll();
rmSync(probeDir, { recursive: true, force: true });

let worker: BuiltWorker;
let codecBin: string;
beforeAll(async () => {
  worker = (await buildFixture("stdio")).stdio_worker!;
  codecBin = (await nativeCodec({ TW_CACHE_DIR: freshDir("full-disk-codec") }))!;
});
afterEach(unmountAll);
afterAll(unmountAll);

/** A string task whose `onTmpfs` folder ("outputs" or the node folder) is a 64 KiB tmpfs. */
function runFull(codec: string, task: string, text: string, onTmpfs: "outputs" | "node") {
  const node = layoutNode({ task, inputs: { text: JSON.stringify(text) } });
  const dir = onTmpfs === "outputs" ? node.outputsDir : node.nodeDir;
  const definition = readFileSync(join(node.nodeDir, "definition"));
  expect(mountTmpfs(dir)).toBeUndefined();
  if (onTmpfs === "node") {
    writeFileSync(join(node.nodeDir, "definition"), definition);
    mkdirSync(node.outputsDir);
  }
  const env = { ...baseEnv(), TKR_DIR: node.root, TW_STRING_CODEC: codec, [CODEC_BIN_ENV]: codecBin };
  return { node, result: runLauncher(worker.launcher, node, { env }) };
}

describe.skipIf(refused !== undefined).each(["native", "perl"])(
  `a full disk${refused ? ` (skipped: mount -t tmpfs was refused: ${refused})` : ""}, with the %s string codec`,
  (codec) => {
    it("the program's write fails: the task names the full file system, and no partial value is left", () => {
      const { node, result } = runFull(codec, "echo", "x".repeat(200_000), "outputs");
      expect(result.done).toBe(false);
      expect(result.error?.split("\n")[0]).toBe(
        `echo: exited with status 1; the file system of ${node.outputsDir} is full`,
      );
      expect(readdirSync(node.outputsDir)).toEqual([]);
    });

    it("the launcher's own write fails (encoding the output): names the file and the reason", () => {
      const { node, result } = runFull(codec, "echo", "y".repeat(40_000), "outputs");
      expect(result.done).toBe(false);
      expect(result.error?.split("\n")[0]).toBe(
        `echo: cannot write ${join(node.outputsDir, "value")}: No space left on device`,
      );
      expect(readdirSync(node.outputsDir)).toEqual([]);
    });

    it("the node's own folder is full: the input cannot be decoded there, and _error still gets written", () => {
      const { node, result } = runFull(codec, "echo", "z".repeat(100_000), "node");
      expect(result.done).toBe(false);
      expect(result.error?.split("\n")[0]).toBe(
        `echo: cannot write ${join(node.nodeDir, "stdin")}: No space left on device`,
      );
      expect(existsSync(join(node.nodeDir, "stdin"))).toBe(false);
      expect(readdirSync(node.outputsDir)).toEqual([]);
    });
  },
);
