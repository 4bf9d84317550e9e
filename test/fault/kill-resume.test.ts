// The kill/resume suite (issue 9, "Done when"): a controller running a graph of shell and
// in-process tasks is SIGKILLed at random points, or one of its task processes or their children
// is, and the run is resumed until it finishes. No task found finished after a kill runs again
// (every task start is appended to a side file), and the final result is right.
// Bounded for `npm test`; `SOAK=1` (npm run soak) runs many more rounds. The seed is printed on
// failure, and `KILL_SEED=<n>` replays one.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readResults, runStatus } from "../../src/graph/index.js";
import { readRunLock } from "../../src/graph/run-lock.js";
import { isAlive, tempDir } from "../graph/support.js";

const here = dirname(fileURLToPath(import.meta.url));
const childScript = join(here, "fixtures", "kill-child.mjs");
const workers = join(here, "fixtures", "workers");
const soak = process.env.SOAK === "1";
const SUITES = soak ? 12 : 2;
const KILLS = soak ? 25 : 5;
const N = 8;
const EXPECTED = Array.from({ length: N }, (_, i) => i * i + 1).reduce((a, b) => a + b, 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded generator (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function pidFiles(root: string): Map<string, number> {
  const dir = join(root, "pids");
  const out = new Map<string, number>();
  for (const f of readdirSync(dir)) {
    const pid = Number(readFileSync(join(dir, f), "utf8").trim());
    if (pid > 0) out.set(f, pid);
  }
  return out;
}

function kill(pid: number, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** After a controller was killed: stop the task processes it left running (their groups). */
async function stopOrphans(root: string): Promise<void> {
  // A task forked just before the kill may take a moment to write its pid file.
  let last = "";
  for (let i = 0; i < 100; i++) {
    await sleep(60);
    const now = [...pidFiles(root).keys()].sort().join(",");
    if (now === last) break;
    last = now;
  }
  const pids = [...pidFiles(root)].filter(([f]) => !f.endsWith(".child")).map(([, p]) => p);
  for (const p of pids) kill(p, true);
  for (let i = 0; i < 200 && pids.some(isAlive); i++) await sleep(20);
}

/** Keys (`sq:3`, `inc:9`, `total`) of the tasks marked done in the run directory. */
function doneKeys(root: string): Set<string> {
  const wf = join(root, "wf");
  const keys = new Set<string>();
  if (!existsSync(wf)) return keys;
  for (const loc of readdirSync(wf).filter((d) => d.startsWith("-."))) {
    if (!existsSync(join(wf, loc, "_done")) || !existsSync(join(wf, loc, "definition"))) continue;
    const def = JSON.parse(readFileSync(join(wf, loc, "definition"), "utf8")) as {
      function_name: string;
      inputs: Record<string, string>;
    };
    if (def.function_name === "total") keys.add("total");
    else if (def.function_name === "sq" || def.function_name === "inc") {
      const input = Object.values(def.inputs)[0]!;
      keys.add(`${def.function_name}:${readFileSync(join(root, input), "utf8").trim()}`);
    }
  }
  return keys;
}

const runs = (root: string) =>
  existsSync(join(root, "runs")) ? readFileSync(join(root, "runs"), "utf8").split("\n").filter(Boolean) : [];

interface Attempt {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function killSuite(seed: number, layout: "default" | "tierkreis"): Promise<string[]> {
  const rand = random(seed);
  const root = tempDir("tw-kill-");
  mkdirSync(join(root, "pids"));
  const history: string[] = [];
  /** Runs-file length at each snapshot, and what was done then. */
  const snapshots: { at: number; done: Set<string> }[] = [];
  let kills = 0;
  for (let attempt = 0; attempt < KILLS * 3 + 5; attempt++) {
    const child = spawn(process.execPath, [childScript, root, workers, String(N), layout], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exit = new Promise<Attempt>((r) => child.once("exit", (code) => r({ code, stdout, stderr })));
    let action = "none";
    if (kills < KILLS) {
      const delay = 150 + Math.floor(rand() * 1200);
      const what = rand();
      const settled = await Promise.race([exit.then(() => true), sleep(delay).then(() => false)]);
      if (!settled) {
        kills++;
        if (what < 0.55) {
          action = `controller after ${delay} ms`;
          kill(child.pid!, false);
        } else {
          // A task process or one of its children, whichever is running now.
          const running = [...pidFiles(root)].filter(([, p]) => isAlive(p));
          const pick = running[Math.floor(rand() * running.length)];
          if (pick) {
            action = `${pick[0].endsWith(".child") ? "grandchild" : "task"} ${pick[0]} after ${delay} ms`;
            kill(pick[1], !pick[0].endsWith(".child"));
          } else {
            action = `controller after ${delay} ms (no task running)`;
            kill(child.pid!, false);
          }
        }
      }
    }
    const outcome = await exit;
    history.push(
      `attempt ${attempt}: kill ${action}; exit ${outcome.code}; ${outcome.stderr.trim().split("\n")[0] ?? ""}`,
    );
    if (action.startsWith("controller")) await stopOrphans(root);
    else if (outcome.code !== 0) {
      // A killed task fails the run; the failure must be that kill, not anything else.
      expect([history, outcome.stderr]).toEqual([
        history,
        expect.stringMatching(/killed by signal|exited with status 137|stopped: the run was stopped/),
      ]);
    }
    snapshots.push({ at: runs(root).length, done: doneKeys(root) });
    // Nothing found finished at an earlier snapshot was started again since.
    const all = runs(root);
    for (const s of snapshots) {
      const again = all.slice(s.at).filter((k) => s.done.has(k));
      expect([history, again]).toEqual([history, []]);
    }
    if (outcome.code === 0) {
      expect([history, JSON.parse(outcome.stdout.trim())]).toEqual([history, EXPECTED]);
      expect(await readResults(join(root, "wf"))).toBe(EXPECTED);
      expect((await runStatus(join(root, "wf"))).state).toBe("finished");
      expect(await readRunLock(join(root, "wf"))).toBeUndefined();
      return history;
    }
  }
  throw new Error(`seed ${seed}: the run did not finish:\n${history.join("\n")}`);
}

describe("kill/resume", () => {
  const seeds = process.env.KILL_SEED
    ? [Number(process.env.KILL_SEED)]
    : Array.from({ length: SUITES }, () => Math.floor(Math.random() * 2 ** 31));
  // The last seed runs in the tierkreis layout (every folder upstream writes), the others in the default one.
  for (const [k, seed] of seeds.entries()) {
    const layout = k === seeds.length - 1 && seeds.length > 1 ? "tierkreis" : "default";
    it(
      `kills controllers, tasks and their children at random points (seed ${seed}, ${layout} layout); resume reruns nothing finished and gets the right result`,
      { timeout: 300_000 },
      async () => {
        const history = await killSuite(seed, layout);
        if (process.env.KILL_VERBOSE) console.log(history.join("\n"));
      },
    );
  }
});
