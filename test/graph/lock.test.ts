// One live controller per run directory (issue 9 #2): a second controller is refused with a message
// naming the holder, a lock left by a killed controller is taken over, and controllers racing for
// a stale lock never both get it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { graph, resume, run, runStatus } from "../../src/graph/index.js";
import { acquireRunLock, LOCK_FILE, readRunLock } from "../../src/graph/run-lock.js";
import { t } from "../../src/runtime/index.js";
import { mathImpl } from "./fixtures/math-impl.js";
import { add } from "./fixtures/stubs.js";
import { isAlive, stepperWorker, tempDir } from "./support.js";

const repo = resolvePath(dirname(fileURLToPath(import.meta.url)), "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, test: () => boolean, limitMs = 20_000) {
  for (let waited = 0; !test(); waited += 20) {
    if (waited > limitMs) throw new Error(`gave up waiting for ${what}`);
    await sleep(20);
  }
}

/** A pid that is not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync("true");
  return r.pid!;
}

describe("run directory lock", () => {
  it("refuses a second controller while the first runs, and takes over after it was killed", async () => {
    const workers = tempDir();
    stepperWorker(workers);
    const root = tempDir();
    const child = spawn(process.execPath, [join(repo, "test/graph/fixtures/resume-child.mjs"), root, "wf", workers], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const exited = new Promise((r) => child.once("exit", r));
    const wf = join(root, "wf");
    await until("the first task started", () => existsSync(join(root, "counter")));

    const held = await readRunLock(wf);
    expect(held).toMatchObject({ pid: child.pid, host: hostname(), live: true });
    const refusal = `run directory ${wf} is in use by another controller: pid ${child.pid} on ${hostname()}, since ${held!.startedAt}`;
    await expect(resume(wf, { workers })).rejects.toThrow(refusal);

    process.kill(-child.pid!, "SIGKILL");
    await exited;
    await sleep(200);
    const pids = readdirSync(join(root, "pids")).map((f) => Number(readFileSync(join(root, "pids", f), "utf8")));
    for (const pid of pids) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // Finished already.
      }
    }
    await until("orphans gone", () => pids.every((p) => !isAlive(p)));

    expect(await readRunLock(wf)).toMatchObject({ pid: child.pid, live: false });
    const outcome = await resume(wf, { workers, concurrency: 2 });
    expect(outcome.value).toEqual([0, 10, 20, 30, 40, 50]);
    // Released at the end.
    expect(await readRunLock(wf)).toBeUndefined();
    expect((await runStatus(wf)).state).toBe("finished");
  });

  it("refuses a second controller in the same process", async () => {
    const g = graph({ inputs: { x: t.int32 }, output: t.int32 });
    let ref = g.inputs.x;
    for (let i = 0; i < 30; i++) ref = g.task(add({ a: ref, b: g.const(1) }));
    g.output(ref);
    const root = tempDir();
    const opts = { root, workflowId: "same", executors: { default: mathImpl }, resume: true };
    const first = run(g, { x: 0 }, opts);
    const second = run(g, { x: 0 }, opts);
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a.status === "fulfilled" ? a.value.value : a.reason).toBe(30);
    expect(b.status).toBe("rejected");
    expect(String((b as PromiseRejectedResult).reason)).toMatch(
      new RegExp(`in use by another controller: pid ${process.pid} on .*\\(this process\\)`),
    );
    expect(existsSync(join(root, "same", LOCK_FILE))).toBe(false);
  });

  it("tells stale locks from live ones: dead pid, reused pid, other boot; another host counts as live", async () => {
    const dir = tempDir();
    const write = (l: object) =>
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({ host: hostname(), startedAt: "2026-01-01T00:00:00.000Z", nonce: "n", ...l }),
      );
    write({ pid: deadPid() });
    expect((await readRunLock(dir))?.live).toBe(false);
    // This process's pid, but a process that started at another time: the pid was reused.
    write({ pid: process.pid, procStart: "1" });
    expect((await readRunLock(dir))?.live).toBe(false);
    write({ pid: process.pid, bootId: "another-boot" });
    expect((await readRunLock(dir))?.live).toBe(false);
    write({ pid: process.pid });
    expect((await readRunLock(dir))?.live).toBe(true);
    write({ pid: deadPid(), host: "elsewhere.example" });
    expect((await readRunLock(dir))?.live).toBe(true);
    await expect(acquireRunLock(dir)).rejects.toThrow(
      /in use by another controller: pid \d+ on elsewhere.example, since 2026-01-01T00:00:00.000Z; if it no longer runs, remove/,
    );
    // A stale one is taken over, and released.
    write({ pid: deadPid() });
    const lock = await acquireRunLock(dir);
    expect(await readRunLock(dir)).toMatchObject({ pid: process.pid, live: true });
    await lock.release();
    expect(await readRunLock(dir)).toBeUndefined();
  });

  it("lets exactly one of several controllers racing for a stale lock take it", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = tempDir();
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: "x", nonce: `stale${round}` }),
      );
      const journal = join(dir, "journal");
      writeFileSync(journal, "");
      const children = Array.from({ length: 6 }, () =>
        spawn(process.execPath, [join(repo, "test/graph/fixtures/lock-child.mjs"), dir, journal, "400"], {
          stdio: "inherit",
        }),
      );
      await Promise.all(children.map((c) => new Promise((r) => c.once("exit", r))));
      const lines = readFileSync(journal, "utf8").trim().split("\n");
      let holders = 0;
      for (const l of lines) {
        if (l.startsWith("acquire")) holders++;
        if (l.startsWith("release")) holders--;
        expect([l, holders <= 1]).toEqual([l, true]);
      }
      expect(lines.filter((l) => l.startsWith("acquire")).length).toBeGreaterThanOrEqual(1);
      for (const l of lines.filter((x) => x.startsWith("refused")))
        expect(l).toMatch(/in use by another controller: pid \d+/);
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    }
  });
});
