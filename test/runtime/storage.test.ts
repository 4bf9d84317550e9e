/**
 * One suite, both storages: whatever a worker can observe must be the same on disk and in memory.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CallArgsError,
  defaultRoot,
  FileStorage,
  MemoryStorage,
  NotFoundError,
  serializeCallArgs,
  writeFileAtomic,
  type CallArgs,
  type WorkerStorage,
} from "../../src/runtime/index.js";
import { freshRoot } from "./layout.js";

const u8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

interface Harness {
  storage: WorkerStorage;
  /** Put a file as a controller would. */
  put(path: string, bytes: Uint8Array | string): void;
  /** Read a file as a controller would, or undefined. */
  get(path: string): Uint8Array | undefined;
}

function fileHarness(): Harness {
  const root = freshRoot("storage");
  const storage = new FileStorage(root);
  return {
    storage,
    put(path, bytes) {
      const full = join(root, path);
      mkdirSync(join(full, ".."), { recursive: true });
      writeFileSync(full, bytes);
    },
    get(path) {
      const full = join(root, path);
      return existsSync(full) ? new Uint8Array(readFileSync(full)) : undefined;
    },
  };
}

function memoryHarness(): Harness {
  const storage = new MemoryStorage();
  return {
    storage,
    put: (path, bytes) => storage.put(path, bytes),
    get: (path) => storage.files.get(storage.resolve(path)),
  };
}

const args: CallArgs = {
  function_name: "sign",
  inputs: { message: "wf/-.N0/outputs/value" },
  outputs: { hex_signature: "wf/-.N1/outputs/hex_signature" },
  output_dir: "wf/-.N1/outputs",
  done_path: "wf/-.N1/_done",
  error_path: "wf/-.N1/_error",
  logs_path: "wf/logs",
};

for (const [kind, make] of [
  ["FileStorage", fileHarness],
  ["MemoryStorage", memoryHarness],
] as const) {
  describe(`worker storage: ${kind}`, () => {
    it("reads call args", async () => {
      const h = make();
      h.put("wf/-.N1/definition", serializeCallArgs(args));
      expect(await h.storage.readCallArgs("wf/-.N1/definition")).toEqual(args);
    });

    it("reports malformed call args with the field", async () => {
      const h = make();
      h.put("wf/-.N1/definition", JSON.stringify({ ...args, outputs: "x" }));
      await expect(h.storage.readCallArgs("wf/-.N1/definition")).rejects.toThrow(CallArgsError);
      await expect(h.storage.readCallArgs("wf/-.N1/definition")).rejects.toThrow("field 'outputs'");
    });

    it("reads inputs as bytes, exactly", async () => {
      const h = make();
      const bytes = new Uint8Array([0, 255, 10, 13, 0x22]);
      h.put("wf/-.N0/outputs/value", bytes);
      expect(await h.storage.readInput("wf/-.N0/outputs/value")).toEqual(bytes);
    });

    it("says NotFoundError for a missing input", async () => {
      const h = make();
      await expect(h.storage.readInput("wf/-.N0/outputs/nope")).rejects.toThrow(NotFoundError);
      await expect(h.storage.readCallArgs("wf/-.N9/definition")).rejects.toThrow(NotFoundError);
    });

    it("writes outputs, replacing an old value whole", async () => {
      const h = make();
      h.put("wf/-.N1/outputs/.keep", "");
      await h.storage.writeOutput("wf/-.N1/outputs/value", u8("a much longer old value"));
      await h.storage.writeOutput("wf/-.N1/outputs/value", u8("new"));
      expect(text(h.get("wf/-.N1/outputs/value")!)).toBe("new");
    });

    it("writes an empty output", async () => {
      const h = make();
      await h.storage.writeOutput("wf/-.N1/outputs/value", new Uint8Array());
      expect(h.get("wf/-.N1/outputs/value")).toEqual(new Uint8Array());
    });

    it("marks done with an empty file and writes the error message", async () => {
      const h = make();
      h.put("wf/-.N1/outputs/.keep", "");
      await h.storage.markDone("wf/-.N1/_done");
      await h.storage.writeError("wf/-.N1/_error", "sign: input 'message': expected string, got number 1\n");
      expect(h.get("wf/-.N1/_done")).toEqual(new Uint8Array());
      expect(text(h.get("wf/-.N1/_error")!)).toBe("sign: input 'message': expected string, got number 1\n");
    });

    it("globs with * inside one segment, ** across segments, sorted", async () => {
      const h = make();
      for (const p of [
        "wf/-.N1/outputs/a",
        "wf/-.N1/outputs/b",
        "wf/-.N2/outputs/a",
        "wf/-.N8.M0.N2/outputs/value",
        "wf/-.N1/_done",
      ]) {
        h.put(p, "x");
      }
      const rel = async (pattern: string) =>
        (await h.storage.glob(pattern)).map((p) => p.slice(h.storage.resolve("wf").length - 2));
      expect(await rel("wf/*/outputs/a")).toEqual(["wf/-.N1/outputs/a", "wf/-.N2/outputs/a"]);
      expect(await rel("wf/-.N1/outputs/*")).toEqual(["wf/-.N1/outputs/a", "wf/-.N1/outputs/b"]);
      expect(await rel("wf/-.N?/_done")).toEqual(["wf/-.N1/_done"]);
      expect(await rel("wf/-.N[2-9]/outputs/*")).toEqual(["wf/-.N2/outputs/a"]);
      expect(await rel("wf/**/value")).toEqual(["wf/-.N8.M0.N2/outputs/value"]);
      expect(await rel("wf/*/value")).toEqual([]);
      expect(await rel("nothing/*")).toEqual([]);
    });

    it("resolves relative paths to the same place it reads from", async () => {
      const h = make();
      h.put("wf/x", "1");
      const resolved = h.storage.resolve("wf/x");
      expect(text(await h.storage.readInput(resolved))).toBe("1");
      expect(h.storage.resolve("/abs/path")).toBe("/abs/path");
    });

    it("appends to the log", async () => {
      const h = make();
      h.put("wf/logs", "");
      await h.storage.appendLog!("wf/logs", "one\n");
      await h.storage.appendLog!("wf/logs", "two\n");
      expect(text(h.get("wf/logs")!)).toBe("one\ntwo\n");
    });
  });
}

describe("FileStorage specifics", () => {
  it("uses TKR_DIR as the root, resolved against the working directory", () => {
    const prev = process.env["TKR_DIR"];
    process.env["TKR_DIR"] = "some/relative/dir";
    try {
      expect(new FileStorage().root).toBe(join(process.cwd(), "some/relative/dir"));
    } finally {
      if (prev === undefined) delete process.env["TKR_DIR"];
      else process.env["TKR_DIR"] = prev;
    }
  });

  it("finds the root in TKR_DIR, else checkpoints_directory, else ~/.tierkreis/checkpoints", () => {
    expect(defaultRoot({ TKR_DIR: "/a", checkpoints_directory: "/b" })).toBe("/a");
    expect(defaultRoot({ checkpoints_directory: "/b" })).toBe("/b");
    expect(defaultRoot({})).toBe(join(homedir(), ".tierkreis", "checkpoints"));
  });

  it("globs under a root whose name has wildcard characters", async () => {
    const root = join(freshRoot("glob"), "ck[1]*");
    mkdirSync(join(root, "wf", "-.N1", "outputs"), { recursive: true });
    writeFileSync(join(root, "wf", "-.N1", "outputs", "a"), "1");
    const storage = new FileStorage(root);
    expect(await storage.glob("wf/*/outputs/*")).toEqual([join(root, "wf", "-.N1", "outputs", "a")]);
    expect(await storage.glob("wf/-.N1/outputs/a")).toEqual([join(root, "wf", "-.N1", "outputs", "a")]);
  });

  it("never shows a partially written output (readers see nothing or the whole value)", async () => {
    const root = freshRoot("atomic");
    mkdirSync(join(root, "out"));
    const target = join(root, "out", "value");
    const big = new Uint8Array(64 * 1024 * 1024).fill(7);
    const sizes = new Set<number>();
    let writing = true;
    const watcher = (async () => {
      while (writing) {
        try {
          sizes.add(statSync(target).size);
        } catch {
          sizes.add(-1);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    await new FileStorage(root).writeOutput("out/value", big);
    writing = false;
    await watcher;
    sizes.delete(-1);
    // Only the complete size may ever be seen, and no temporary file is left behind.
    expect([...sizes].every((s) => s === big.length)).toBe(true);
    expect(readdirSync(join(root, "out"))).toEqual(["value"]);
  });

  it("leaves no output when the writer is killed mid-write", async () => {
    const root = freshRoot("killed");
    mkdirSync(join(root, "out"));
    const storageModule = new URL("../../dist/src/runtime/storage.js", import.meta.url).pathname;
    // A child that writes 512 MiB through writeFileAtomic; it is killed while the bytes go out.
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { writeFileAtomic } from ${JSON.stringify(storageModule)};
         const data = new Uint8Array(512 * 1024 * 1024).fill(1);
         const writing = writeFileAtomic(${JSON.stringify(join(root, "out", "value"))}, data);
         setTimeout(() => process.stdout.write("go\\n"), 20);
         await writing;`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let said = "";
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        said += d.toString();
        if (said.includes("go")) {
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    await new Promise((r) => child.on("close", r));
    const target = join(root, "out", "value");
    // Either the write finished before the kill (whole value) or no `value` exists at all.
    if (existsSync(target)) expect(statSync(target).size).toBe(512 * 1024 * 1024);
    else expect(readdirSync(join(root, "out")).every((n) => n.startsWith(".value.tmp-"))).toBe(true);
  });

  it("creates a missing outputs folder rather than failing", async () => {
    const root = freshRoot("mkdir");
    await writeFileAtomic(join(root, "a", "b", "value"), "1");
    expect(readFileSync(join(root, "a", "b", "value"), "utf8")).toBe("1");
  });
});
