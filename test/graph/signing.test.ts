// The README's signing graph for real: openssl through a shell launcher, auth_worker as a
// TypeScript worker process (node executor) and in-process; mixed with the routing combinator.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  graph,
  inProcessExecutor,
  routeExecutors,
  run,
  shellExecutor,
  TaskFailedError,
} from "../../src/graph/index.js";
import { t } from "../../src/runtime/index.js";
import { sign } from "./fixtures/stubs.js";
import { authImpl } from "./fixtures/math-impl.js";
import { signing } from "./fixtures/typed-graph.js";
import { tempDir } from "./support.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const workers = join(repo, "test/graph/fixtures/workers");

describe("signing graph", () => {
  it("runs with openssl (shell) and auth_worker as a Node process (auto-detected)", async () => {
    const root = tempDir();
    const r = await run(signing, { message: "hi" }, { root, workflowId: "sig", workers });
    expect(r.value).toBe(true);
    // Two auth tasks ran as processes: sign recorded its pid, and it is not the controller's.
    const pids = readFileSync(join(root, "auth-pids"), "utf8").trim().split("\n");
    expect(pids).toHaveLength(1);
    expect(Number(pids[0])).not.toBe(process.pid);
    expect(readFileSync(join(root, "sig/-.N3/outputs/private_key"), "utf8")).toMatch(
      /^-----BEGIN ENCRYPTED PRIVATE KEY-----/,
    );
  });

  it("runs with auth_worker in-process through the routing combinator", async () => {
    const root = tempDir();
    const executor = routeExecutors({ auth_worker: inProcessExecutor(authImpl) }, shellExecutor({ workers }));
    const r = await run(signing, { message: "hi" }, { root, executor });
    expect(r.value).toBe(true);
  });

  it("reports a TypeScript worker's failure with its message", async () => {
    const g = graph({ inputs: {}, output: { sig: t.string } });
    const bad = g.task(
      sign({
        private_key: g.const(new TextEncoder().encode("not a key")),
        passphrase: g.const(new Uint8Array()),
        message: g.const("hi"),
      }),
    );
    g.output({ sig: bad.hex_signature });
    const e = await run(g, {}, { root: tempDir(), workers, executors: { auth_worker: "node" } }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(TaskFailedError);
    const f = e as TaskFailedError;
    expect(f.task).toBe("auth_worker.sign");
    expect(f.loc).toBe("-.N3");
    expect(f.reason).toMatch(/^exited with status 1: sign: the handler threw: .*DECODER/);
    expect(f.stderrTail).toMatch(/sign: the handler threw/);
  });
});
