// The three ways a task process is started (the Perl helper, the bash helper, Node's spawn) with
// real processes: each must give the same redirections, exit codes, signals and process groups,
// since which one runs depends on the machine (perl on the PATH) and on the request.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Spawner, type SpawnRequest } from "../../src/graph/executors/spawner.js";
import { runProcessTask } from "../../src/graph/executors/process-task.js";
import { startProcess, type StartWith } from "../../src/graph/executors/start-process.js";
import { isAlive, tempDir } from "./support.js";

const helpers = { perl: new Spawner("perl"), bash: new Spawner("bash") };
afterAll(() => Object.values(helpers).forEach((h) => h.close()));

const ways: [string, StartWith][] = [
  ["the Perl helper", helpers.perl],
  ["the bash helper", helpers.bash],
  ["Node's spawn", "spawn"],
];

/** A request running `bash -c <script> arg0 args...` in a fresh folder, with files for stdio. */
function request(script: string, args: string[] = [], extra: Partial<SpawnRequest> = {}): SpawnRequest {
  const dir = tempDir("tw-start-");
  writeFileSync(join(dir, "in"), "from stdin\n");
  return {
    file: "bash",
    args: ["-c", script, "arg0", ...args],
    env: {},
    cwd: dir,
    stdin: join(dir, "in"),
    stdout: join(dir, "out"),
    stdoutMode: "truncate",
    stderr: join(dir, "err"),
    ...extra,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `pid` is a live process (a zombie has ended: only its parent has not reaped it yet). */
function isRunning(pid: number): boolean {
  const stat = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim();
  return stat !== "" && !stat.startsWith("Z");
}

/** Waits (bounded) until none of `pids` runs; returns those still running. */
async function settle(pids: number[], tries = 250): Promise<number[]> {
  for (let i = 0; i < tries && pids.some(isRunning); i++) await sleep(20);
  return pids.filter(isRunning);
}

/** The pids a task wrote to `file` (one a line), once it has written `count` of them. */
async function recordedPids(file: string, count = 1): Promise<number[]> {
  const read = () => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number) : []);
  for (let i = 0; i < 500 && read().length < count; i++) await sleep(20);
  return read();
}

async function runToEnd(req: SpawnRequest, how: StartWith) {
  const started = await startProcess(req, how);
  return { pid: await started.pid, ...(await started.exit) };
}

describe.each(ways)("starting a process through %s", (_, how) => {
  it("gives it the environment, folder and stdin asked for; stdout truncated, stderr appended", async () => {
    const value = `a value with spaces, 'quotes', "double", $(touch canary) and \`touch canary\``;
    const req = request('pwd; printf "%s\\n" "$GREETING" "$@"; cat; echo "to stderr" >&2', [value, "-n"], {
      env: { GREETING: "hello world" },
    });
    writeFileSync(req.stdout, "stale output that must go\n");
    writeFileSync(req.stderr, "earlier stderr\n");
    const exit = await runToEnd(req, how);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(readFileSync(req.stdout, "utf8")).toBe(`${req.cwd}\nhello world\n${value}\n-n\nfrom stdin\n`);
    expect(readFileSync(req.stderr, "utf8")).toBe("earlier stderr\nto stderr\n");
    expect(existsSync(join(req.cwd, "canary"))).toBe(false);
  });

  it("appends to stdout when asked", async () => {
    const req = request("echo second", [], { stdoutMode: "append" });
    writeFileSync(req.stdout, "first\n");
    expect(await runToEnd(req, how)).toMatchObject({ code: 0, signal: null });
    expect(readFileSync(req.stdout, "utf8")).toBe("first\nsecond\n");
  });

  it("reports the exit status", async () => {
    expect(await runToEnd(request("exit 3"), how)).toMatchObject({ code: 3, signal: null });
  });

  it("reports the signal that killed it", async () => {
    expect(await runToEnd(request("kill -KILL $$"), how)).toMatchObject({ code: null, signal: "SIGKILL" });
    expect(await runToEnd(request("kill -TERM $$"), how)).toMatchObject({ code: null, signal: "SIGTERM" });
  });

  it("puts it in a process group of its own, which a kill reaches whole", async () => {
    const req = request("sleep 30 & echo $! > child.pid; wait");
    const started = await startProcess(req, how);
    const pid = (await started.pid)!;
    expect(pid).toBeGreaterThan(0);
    expect(Number(execFileSync("ps", ["-o", "pgid=", "-p", String(pid)], { encoding: "utf8" }).trim())).toBe(pid);
    const childPid = join(req.cwd, "child.pid");
    for (let i = 0; i < 250 && !existsSync(childPid); i++) await new Promise((r) => setTimeout(r, 20));
    const child = Number(readFileSync(childPid, "utf8"));
    process.kill(-pid, "SIGTERM");
    expect(await started.exit).toMatchObject({ code: null, signal: "SIGTERM" });
    for (let i = 0; i < 100 && isAlive(child); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isAlive(child)).toBe(false);
  });

  it.each([0, 5])("kills what it left running when it ends (exit %i)", async (code) => {
    // A child in the background, and one daemonized (its parent gone at once): both in the group.
    const req = request(`sleep 300 & echo $! >> pids; (sleep 301 & echo $! >> pids); exit ${code}`);
    const exit = await runToEnd(req, how);
    expect(exit).toMatchObject({ code, signal: null });
    const pids = await recordedPids(join(req.cwd, "pids"), 2);
    expect(pids).toHaveLength(2);
    expect(await settle(pids)).toEqual([]);
  });

  it.skipIf(!existsSync("/proc/self/status"))(
    "gives it no blocked or ignored signal (the Perl helper blocks two for itself)",
    async () => {
      const req = request('grep -E "^Sig(Blk|Ign)" /proc/self/status');
      expect(await runToEnd(req, how)).toMatchObject({ code: 0, signal: null });
      expect(readFileSync(req.stdout, "utf8")).toBe("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
    },
  );

  it("fails a program that does not exist, saying so", async () => {
    const req = request("", [], { file: join(tempDir("tw-start-"), "no-such-program"), args: [] });
    const exit = await runToEnd(req, how);
    // The helpers exit 127 as a shell does and say why on stderr; spawn reports the error.
    if (exit.error) expect(exit.error.message).toContain("ENOENT");
    else {
      expect(exit.code).toBe(127);
      expect(readFileSync(req.stderr, "utf8")).toMatch(/no-such-program/);
    }
  });

  it("keeps many processes apart: each report reaches its own caller", async () => {
    const exits = await Promise.all(
      Array.from({ length: 40 }, (_, i) => runToEnd(request(`sleep 0.0$((RANDOM % 5)); exit ${i}`), how)),
    );
    expect(exits.map((e) => e.code)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

const helperKinds = [["Perl", "perl"] as const, ["bash", "bash"] as const];

describe.each(helperKinds)("the %s helper", (_, kind) => {
  it("stops running tasks when the controller goes away (killed with SIGKILL)", async () => {
    const dir = tempDir("tw-start-");
    const spawner = fileURLToPath(new URL("../../dist/src/graph/executors/spawner.js", import.meta.url));
    // A controller that starts one task through the helper, says its pid, and waits to be killed.
    const controller = `
      const { Spawner } = await import(${JSON.stringify(spawner)});
      const s = new Spawner(${JSON.stringify(kind)});
      const started = s.run({ file: "bash", args: ["-c", "sleep 300 & echo $! >> pids; sleep 301 & echo $! >> pids; wait"],
        env: {}, cwd: ${JSON.stringify(dir)}, stdin: "/dev/null", stdout: "/dev/null", stdoutMode: "append", stderr: "/dev/null" });
      console.log(await started.pid);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", controller], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const leader = Number(
      await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString()))),
    );
    const pids = [leader, ...(await recordedPids(join(dir, "pids"), 2))];
    expect(pids).toHaveLength(3);
    expect(pids.every(isRunning)).toBe(true);
    child.kill("SIGKILL");
    // The helper sends SIGTERM, then SIGKILL after its grace of 2 s.
    expect(await settle(pids, 500)).toEqual([]);
  });

  it("reports every one of many short tasks", async () => {
    // Many exits while the helper is busy starting others: each must be reported, none lost.
    const count = kind === "perl" ? 1000 : 300;
    const codes = await throughPool(new Spawner(kind), count, 8);
    expect(codes.filter((c) => c !== 0)).toEqual([]);
    expect(codes).toHaveLength(count);
  });

  it("passes its linter", () => {
    const file = fileURLToPath(
      new URL(`../../src/graph/executors/helpers/process-helper.${kind === "perl" ? "pl" : "sh"}`, import.meta.url),
    );
    const result =
      kind === "perl"
        ? spawnSync("perl", ["-c", file], { encoding: "utf8" })
        : spawnSync("shellcheck", [file], { encoding: "utf8" });
    expect(result.stdout + result.stderr).toMatch(kind === "perl" ? /syntax OK\s*$/ : /^$/);
    expect(result.status).toBe(0);
  });
});

describe.skipIf(process.platform !== "linux")("the Perl helper, on Linux", () => {
  // A launcher runs its program in a process group of its own (so that it can stop the program
  // without stopping itself): killing the task's group does not reach that one.
  const launcherLike = (program: string, then: string) =>
    `set -m; (set +m; exec bash -c '${program}') & c=$!; set +m; ${then}`;

  async function leftovers(script: string, count: number) {
    const req = request(script);
    const exit = await runToEnd(req, helpers.perl);
    const pids = await recordedPids(join(req.cwd, "pids"), count);
    expect(pids).toHaveLength(count);
    return { exit, left: await settle(pids) };
  }

  it("stops what left the task's group once the task has ended", async () => {
    const { exit, left } = await leftovers(launcherLike("sleep 300 & echo $! >> pids; exit 3", "wait $c; exit 4"), 1);
    expect(exit).toMatchObject({ code: 4 });
    expect(left).toEqual([]);
  });

  it("stops it when the launcher itself was killed with SIGKILL", async () => {
    const program = 'trap "" TERM; sleep 301 & echo $! >> pids; echo $$ >> pids; wait';
    const { exit, left } = await leftovers(
      launcherLike(program, "until [ -s pids ]; do sleep 0.05; done; kill -KILL $$"),
      2,
    );
    expect(exit).toMatchObject({ signal: "SIGKILL" });
    expect(left).toEqual([]);
  });

  it("lets a task's detached child run while the task runs", async () => {
    const req = request("(sleep 302 & echo $! >> pids); until [ -f go ]; do sleep 0.05; done");
    const started = await startProcess(req, helpers.perl);
    const [child] = await recordedPids(join(req.cwd, "pids"));
    // Adopted by the helper as soon as its parent subshell ended, and still running.
    await sleep(300);
    expect(isRunning(child!)).toBe(true);
    writeFileSync(join(req.cwd, "go"), "");
    expect(await started.exit).toMatchObject({ code: 0 });
    expect(await settle([child!])).toEqual([]);
  });
});

describe("the Perl helper's wait", () => {
  it("loses no wakeup: tasks that end just before it waits are still reported", async () => {
    // The hook pauses between the helper's last check and its wait, so that tasks end (and their
    // SIGCHLD arrives) in exactly the window where the select + self-pipe helper slept forever.
    const spawner = new Spawner("perl", { TW_HELPER_TEST_PAUSE: "0.005" });
    const codes = await throughPool(spawner, 200, 4);
    expect(codes.filter((c) => c !== 0)).toEqual([]);
    expect(codes).toHaveLength(200);
  });
});

describe("a task's processes, when the task is stopped", () => {
  // The program ignores SIGTERM (and so do the children it starts): only the SIGKILL that follows
  // the grace stops them, and the task's result comes only once they are stopped.
  const stubborn = 'trap "" TERM; sleep 300 & echo $! >> pids; (sleep 301 & echo $! >> pids); echo $$ >> pids; wait';

  async function stopped(how: "timeout" | "abort") {
    const nodeDir = tempDir("tw-task-");
    const ac = new AbortController();
    const result = runProcessTask(
      {
        worker: "w",
        task: "t",
        loc: "-.N0",
        root: nodeDir,
        workflowId: "wf",
        definitionPath: "definition",
        nodeDir,
        signal: ac.signal,
        ...(how === "timeout" ? { timeoutMs: 300 } : {}),
      },
      {
        file: "bash",
        args: ["-c", stubborn],
        env: {},
        cwd: nodeDir,
        logs: join(nodeDir, "logs"),
        exitZeroWithoutDone: "mark",
      },
    );
    const pids = await recordedPids(join(nodeDir, "pids"), 3);
    expect(pids).toHaveLength(3);
    if (how === "abort") ac.abort();
    return { result: await result, pids };
  }

  it("at its time limit: the whole group, before the failure is reported", async () => {
    const { result, pids } = await stopped("timeout");
    expect(result).toMatchObject({ ok: false, reason: "timed out after 0.3 s" });
    expect(await settle(pids)).toEqual([]);
  });

  it("when the run stops (Ctrl-C, SIGTERM, another task failed): the whole group", async () => {
    const { result, pids } = await stopped("abort");
    expect(result).toMatchObject({ ok: false, reason: "stopped: the run was stopped" });
    expect(await settle(pids)).toEqual([]);
  });
});

/** Runs `count` `true` processes through `spawner`, `width` at a time; their exit codes. */
async function throughPool(spawner: Spawner, count: number, width: number): Promise<(number | null)[]> {
  const codes: (number | null)[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      const exit = await spawner.run({
        file: "true",
        args: [],
        env: {},
        cwd: "/",
        stdin: "/dev/null",
        stdout: "/dev/null",
        stdoutMode: "append",
        stderr: "/dev/null",
      }).exit;
      codes.push(exit.code);
    }
  };
  try {
    await Promise.all(Array.from({ length: width }, lane));
  } finally {
    spawner.close();
  }
  return codes;
}

describe("requests a helper cannot carry", () => {
  it("go through Node's spawn: an argument with a newline arrives whole", async () => {
    const req = request('printf "%s" "$1"', ["two\nlines"]);
    expect(Spawner.accepts(req)).toBe(false);
    expect(await runToEnd(req, helpers.bash)).toMatchObject({ code: 0, signal: null });
    expect(readFileSync(req.stdout, "utf8")).toBe("two\nlines");
  });
});
