// The three ways a task process is started (the Perl helper, the bash helper, Node's spawn) with
// real processes: each must give the same redirections, exit codes, signals and process groups,
// since which one runs depends on the machine (perl on the PATH) and on the request.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Spawner, type SpawnRequest } from "../../src/graph/executors/spawner.js";
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
    const req = request('sleep 30 & echo $! > child.pid; wait');
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
    const exits = await Promise.all(Array.from({ length: 40 }, (_, i) => runToEnd(request(`sleep 0.0$((RANDOM % 5)); exit ${i}`), how)));
    expect(exits.map((e) => e.code)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe("requests a helper cannot carry", () => {
  it("go through Node's spawn: an argument with a newline arrives whole", async () => {
    const req = request('printf "%s" "$1"', ["two\nlines"]);
    expect(Spawner.accepts(req)).toBe(false);
    expect(await runToEnd(req, helpers.bash)).toMatchObject({ code: 0, signal: null });
    expect(readFileSync(req.stdout, "utf8")).toBe("two\nlines");
  });
});
