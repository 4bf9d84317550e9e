/**
 * The TypeScript worker SDK with real processes: a checkpoint folder laid out as a controller
 * does, the fixture worker started as `node auth-worker.ts <definition>` with `TKR_DIR` set and
 * a different working directory, real openssl keys and signatures, python3 decoding the outputs.
 * Needs the built `dist/` (the worker imports `typespec-workers/runtime`): `npm run build` first.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { freshRoot, layoutTask, type LayoutOptions } from "./layout.js";

const pkgRoot = join(import.meta.dirname, "..", "..");
const workerFile = join(import.meta.dirname, "fixtures", "auth-worker.ts");
const u8 = (s: string) => new TextEncoder().encode(s);

interface Run {
  code: number;
  stderr: string;
  nodeDir: string;
  root: string;
  /** Files in the node's outputs folder. */
  outputs: string[];
  read(name: string): string | undefined;
}

async function runWorker(options: LayoutOptions, root = freshRoot("worker")): Promise<Run> {
  const layout = layoutTask(root, options);
  return start(root, layout.definitionPath, layout.nodeDir);
}

async function start(root: string, definitionPath: string, nodeDir: string, args = [definitionPath]): Promise<Run> {
  let code = 0;
  let stderr: string;
  try {
    const r = await promisify(execFile)(process.execPath, [workerFile, ...args], {
      cwd: tmpdir(), // paths must resolve against TKR_DIR, not the working directory
      env: { ...process.env, TKR_DIR: root },
    });
    stderr = r.stderr;
  } catch (e) {
    const err = e as { code: number; stderr: string };
    code = err.code;
    stderr = err.stderr;
  }
  const read = (name: string) =>
    existsSync(join(nodeDir, name)) ? readFileSync(join(nodeDir, name), "utf8") : undefined;
  const outputs = existsSync(join(nodeDir, "outputs")) ? readdirSync(join(nodeDir, "outputs")).sort() : [];
  return { code, stderr, nodeDir, root, outputs, read };
}

let privatePem: Buffer;
let publicPem: Buffer;
const passphrase = "correct horse";
const keysDir = freshRoot("keys");

/** The value files a producer would have written, in the Tierkreis encoding (checked by hand). */
const stringFile = (s: string) =>
  u8(JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));

function signInputs(message: string): LayoutOptions["inputs"] {
  return { private_key: privatePem, passphrase: u8(passphrase), message: stringFile(message) };
}

/** Tierkreis's TierkreisDecoder restated (object hook for __tkr_bytes__), printing repr of what json.loads gives. */
function pythonLoads(file: string): string {
  const script = `
import base64, json, sys
def hook(d):
    if "__tkr_bytes__" in d and "bytes" in d:
        return base64.b64decode(d["bytes"])
    return d
print(repr(json.loads(open(sys.argv[1], "rb").read(), object_hook=hook)))
`;
  return execFileSync("python3", ["-c", script, file]).toString().trimEnd();
}

describe("TypeScript worker as a real process", () => {
  beforeAll(() => {
    if (!existsSync(join(pkgRoot, "dist", "src", "runtime", "sdk.js"))) {
      throw new Error("dist/ is not built: run `npm run build` first");
    }
    execFileSync(
      "openssl",
      ["genrsa", "-aes256", "-passout", `pass:${passphrase}`, "-out", join(keysDir, "private.pem"), "2048"],
      { stdio: "ignore" },
    );
    execFileSync(
      "openssl",
      [
        "rsa",
        "-in",
        join(keysDir, "private.pem"),
        "-passin",
        `pass:${passphrase}`,
        "-pubout",
        "-out",
        join(keysDir, "public.pem"),
      ],
      {
        stdio: "ignore",
      },
    );
    privatePem = readFileSync(join(keysDir, "private.pem"));
    publicPem = readFileSync(join(keysDir, "public.pem"));
  });

  it("signs: writes the declared port, marks done, and openssl accepts the signature", async () => {
    const message = "héllo wörld 😀";
    const run = await runWorker({ functionName: "sign", inputs: signInputs(message), outputs: ["hex_signature"] });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.read("_done")).toBe("");
    expect(run.read("_error")).toBeUndefined();
    expect(run.outputs).toEqual(["hex_signature"]);
    const file = run.read("outputs/hex_signature")!;
    expect(file).toMatch(/^"[0-9a-f]{512}"$/);
    // Check the signature with openssl, over the UTF-8 bytes of the message.
    writeFileSync(join(keysDir, "sig.bin"), Buffer.from(JSON.parse(file), "hex"));
    writeFileSync(join(keysDir, "msg.txt"), message);
    const verified = execFileSync("openssl", [
      "dgst",
      "-sha256",
      "-verify",
      join(keysDir, "public.pem"),
      "-signature",
      join(keysDir, "sig.bin"),
      join(keysDir, "msg.txt"),
    ]);
    expect(verified.toString()).toContain("Verified OK");
    // A log line per start and end, in the workflow log.
    const logs = readFileSync(join(run.root, "3f6c2a1e-0000-4000-8000-000000000001", "logs"), "utf8");
    expect(logs).toMatch(/: auth_worker\.sign: started\n.*: auth_worker\.sign: done\n$/);
  });

  it("verifies: a `value` port holding true, then false for another message", async () => {
    const sig = execFileSync(
      "openssl",
      ["dgst", "-sha256", "-sign", join(keysDir, "private.pem"), "-passin", `pass:${passphrase}`],
      { input: "hi" },
    );
    const inputs = (message: string) => ({
      public_key: publicPem,
      signature: stringFile(sig.toString("hex")),
      message: stringFile(message),
    });
    const ok = await runWorker({ functionName: "verify", inputs: inputs("hi"), outputs: ["value"], logs: false });
    expect(ok.code).toBe(0);
    expect(ok.read("outputs/value")).toBe("true");
    expect(ok.read("_done")).toBe("");
    const bad = await runWorker({ functionName: "verify", inputs: inputs("ho"), outputs: ["value"] });
    expect(bad.code).toBe(0);
    expect(bad.read("outputs/value")).toBe("false");
  });

  it("reads inputs written by upstream (a JSON list of __tkr_bytes__) and takes the default of an absent optional input", async () => {
    const keys = ["first key", "second\u0000key", ""];
    // The file as Tierkreis (Python json.dumps + TierkreisEncoder) writes it.
    const file = execFileSync("python3", [
      "-c",
      `import base64, json, sys
class Enc(json.JSONEncoder):
    def default(self, o):
        return {"__tkr_bytes__": True, "bytes": base64.b64encode(o).decode()} if isinstance(o, bytes) else super().default(o)
sys.stdout.write(json.dumps([k.encode() for k in ${JSON.stringify(keys)}], cls=Enc))`,
    ]);
    expect(file.toString()).toContain('{"__tkr_bytes__": true, "bytes": "Zmlyc3Qga2V5"}');
    const run = await runWorker({ functionName: "fingerprint", inputs: { keys: file }, outputs: ["value"] });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const { createHash } = await import("node:crypto");
    const expected = keys.map((k) => createHash("sha256").update(k).digest("hex").slice(0, 16)).join(":");
    expect(run.read("outputs/value")).toBe(JSON.stringify(expected));
  });

  it("writes outputs that decode as upstream decodes them (python3 json.loads with the Tierkreis hook)", async () => {
    const sign = await runWorker({ functionName: "sign", inputs: signInputs("upstream"), outputs: ["hex_signature"] });
    expect(pythonLoads(join(sign.nodeDir, "outputs", "hex_signature"))).toMatch(/^'[0-9a-f]{512}'$/);
    const fp = await runWorker({
      functionName: "fingerprint",
      inputs: { keys: u8("[]"), algorithm: stringFile("md5") },
      outputs: ["value"],
    });
    expect(fp.code).toBe(0);
    expect(pythonLoads(join(fp.nodeDir, "outputs", "value"))).toBe("''");
  });

  it("writes only the outputs the call args list (none here), then marks done", async () => {
    const run = await runWorker({ functionName: "sign", inputs: signInputs("nobody reads me"), outputs: [] });
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual([]);
    expect(run.read("_done")).toBe("");
  });

  describe("failures: a message naming task and port in _error, exit 1, no output, no _done", () => {
    const expectFailure = (run: Run, message: string) => {
      expect(run.code).toBe(1);
      expect(run.read("_error")).toBe(message + "\n");
      expect(run.stderr).toContain(message);
      expect(run.read("_done")).toBeUndefined();
      expect(run.outputs).toEqual([]);
    };

    it("a missing input file", async () => {
      const run = await runWorker({
        functionName: "sign",
        inputs: { ...signInputs("x"), message: { path: "3f6c2a1e-0000-4000-8000-000000000001/-.N7/outputs/value" } },
        outputs: ["hex_signature"],
      });
      expectFailure(
        run,
        "sign: input 'message': no value: file not found (3f6c2a1e-0000-4000-8000-000000000001/-.N7/outputs/value)",
      );
    });

    it("a required input the call args do not give", async () => {
      const { message: _, ...rest } = signInputs("x") as Record<string, Uint8Array>;
      const run = await runWorker({ functionName: "sign", inputs: rest, outputs: ["hex_signature"] });
      expectFailure(run, "sign: input 'message' is required but the call args do not give it");
    });

    it("an input of the wrong type", async () => {
      const run = await runWorker({
        functionName: "sign",
        inputs: { ...signInputs("x"), message: u8("42") },
        outputs: ["hex_signature"],
      });
      expectFailure(
        run,
        "sign: input 'message': expected string, got number 42 (3f6c2a1e-0000-4000-8000-000000000001/-.N2/outputs/value)",
      );
    });

    it("a handler that throws", async () => {
      const run = await runWorker({
        functionName: "sign",
        inputs: signInputs("please throw"),
        outputs: ["hex_signature"],
      });
      expectFailure(run, "sign: the handler threw: refusing to sign this message");
    });

    it("a handler that returns the wrong shape", async () => {
      const run = await runWorker({
        functionName: "sign",
        inputs: signInputs("please return a number"),
        outputs: ["hex_signature"],
      });
      expectFailure(
        run,
        "sign: the handler must return an object with the output ports 'hex_signature', got number 42",
      );
    });

    it("a wrong passphrase (the library's error, through the handler)", async () => {
      const run = await runWorker({
        functionName: "sign",
        inputs: { ...signInputs("x"), passphrase: u8("wrong") },
        outputs: ["hex_signature"],
      });
      expect(run.code).toBe(1);
      expect(run.read("_error")).toMatch(/^sign: the handler threw: .+\n$/);
      expect(run.outputs).toEqual([]);
    });

    it("an output the task does not declare", async () => {
      const run = await runWorker({
        functionName: "sign",
        inputs: signInputs("x"),
        outputs: ["hex_signature", "bogus"],
      });
      expectFailure(run, "sign: call args ask for output 'bogus', which the task does not declare");
    });

    it("a task the worker does not have", async () => {
      const run = await runWorker({ functionName: "nope", inputs: {}, outputs: [] });
      expectFailure(run, "auth_worker: no task named 'nope' (the worker has: sign, verify, fingerprint)");
    });

    it("malformed call args: the error goes beside the definition file", async () => {
      const root = freshRoot("worker");
      const layout = layoutTask(root, { functionName: "sign", inputs: signInputs("x"), outputs: ["hex_signature"] });
      const broken = { ...layout.args, outputs: "all of them" };
      writeFileSync(join(layout.nodeDir, "definition"), JSON.stringify(broken));
      const run = await start(root, layout.definitionPath, layout.nodeDir);
      expectFailure(
        run,
        `auth_worker: call args: field 'outputs' must be an object of strings (port name → path), got the string "all of them" (in ${layout.definitionPath})`,
      );
    });

    it("no definition file", async () => {
      const root = freshRoot("worker");
      const nodeDir = join(root, "wf", "-.N1");
      mkdirSync(nodeDir, { recursive: true });
      const run = await start(root, "wf/-.N1/definition", nodeDir);
      expectFailure(run, "auth_worker: no call args at wf/-.N1/definition");
    });
  });

  it("exits 2 with a usage line when started without a definition path", async () => {
    const root = freshRoot("worker");
    const run = await start(root, "", root, []);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^usage: .*auth-worker\.ts <definition path relative to TKR_DIR> \| --persistent\n$/);
  });
});
