/**
 * Starting task processes cheaply. Node's `spawn` forks the whole controller process on its main
 * thread (measured ~4 ms per task here, which alone makes 1,000 trivial tasks slower than
 * `xargs -P`). So task processes are started by one small long-lived helper instead, in Perl
 * where perl is on the PATH, else in bash (`HelperKind`; `helpers/process-helper.pl` and `.sh`):
 * the controller writes one request line per task, the helper starts the command in its own
 * process group and reports `S <id> <pid>` and `E <id> <status>` on its stdout. Waiting stays
 * event driven: the controller reacts to those lines.
 *
 * Nothing a task starts outlives it: when the task's process ends, the helper kills what is left
 * in its group before it reports the end, and when the helper's stdin closes (the controller
 * exited or was killed) it stops every running task's group, SIGTERM then SIGKILL. On Linux the
 * Perl helper also reaches what left the task's group but not its session (a launcher's program
 * runs in a group of its own): it adopts orphaned descendants as a child subreaper and kills
 * those of ended tasks.
 *
 * Fields are separated by the ASCII unit separator; a request whose fields contain it, or a
 * newline, is not sent (the caller falls back to `spawn`). Exit statuses above 128 are reported
 * by bash for signals (128 + signal number), as a shell does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { constants as os } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SEP = "\x1f";

/** Grace between SIGTERM and SIGKILL when a task is stopped (by the controller, or by a helper). */
export const KILL_GRACE_MS = 2000;

/** The helpers' source files, beside this module (the build copies them into dist). */
const helperFiles = {
  perl: fileURLToPath(new URL("./helpers/process-helper.pl", import.meta.url)),
  bash: fileURLToPath(new URL("./helpers/process-helper.sh", import.meta.url)),
};

function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // Not here.
    }
  }
  return false;
}

export type HelperKind = "perl" | "bash";

export interface SpawnRequest {
  readonly file: string;
  readonly args: readonly string[];
  /** Variables added to the helper's environment (the controller's own). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly stdin: string;
  readonly stdout: string;
  readonly stdoutMode: "append" | "truncate";
  readonly stderr: string;
}

export interface Spawned {
  /** The process id, once known; also its process group and session id. */
  readonly pid: Promise<number>;
  /** Exit status (signals as 128 + n, converted to a name). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const signalNames = new Map(Object.entries(os.signals).map(([k, v]) => [v, k as NodeJS.Signals]));

interface Pending {
  pid: (n: number) => void;
  exit: (r: { code: number | null; signal: NodeJS.Signals | null }) => void;
  fail: (e: Error) => void;
}

export class Spawner {
  private helper: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffered = "";
  private dead: Error | undefined;

  /** Whether this request can go through the helper. */
  static accepts(r: SpawnRequest): boolean {
    const fields = [r.file, ...r.args, r.cwd, r.stdin, r.stdout, r.stderr, ...Object.entries(r.env).flat()];
    return (
      fields.every((f) => !f.includes(SEP) && !f.includes("\n")) &&
      Object.keys(r.env).every((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    );
  }

  /** `perl` when perl is on the PATH (the faster helper), else `bash`. */
  static defaultKind(): HelperKind {
    return process.env.TW_SPAWN !== "bash" && onPath("perl") ? "perl" : "bash";
  }

  /** `env`: variables added to the helper's own environment (tests use its hooks). */
  constructor(
    readonly kind: HelperKind = Spawner.defaultKind(),
    private readonly env?: Readonly<Record<string, string>>,
  ) {}

  private start(): ChildProcess {
    if (this.helper) return this.helper;
    const env = this.env && { ...process.env, ...this.env };
    const h = spawn(this.kind, [helperFiles[this.kind], String(KILL_GRACE_MS)], {
      stdio: ["pipe", "pipe", "pipe"],
      env,
    });
    h.stdout!.setEncoding("utf8");
    h.stdout!.on("data", (chunk: string) => this.onData(chunk));
    // The helper's own stderr (task stderr goes to their files): its last words, should it die.
    let said = "";
    h.stderr!.setEncoding("utf8");
    h.stderr!.on("data", (chunk: string) => (said = (said + chunk).slice(-2000)));
    // "close", not "exit": the reports still in its stdout are read first.
    h.once("close", (code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      this.onHelperExit(new Error(`the ${this.kind} process helper ${how}${said.trim() ? `: ${said.trim()}` : ""}`));
    });
    h.once("error", (e) => this.onHelperExit(e));
    h.stdin!.on("error", () => undefined);
    // The helper must not keep the controller alive; it ends when its stdin closes.
    h.unref();
    (h.stdin as unknown as { unref?: () => void }).unref?.();
    (h.stdout as unknown as { unref?: () => void }).unref?.();
    (h.stderr as unknown as { unref?: () => void }).unref?.();
    this.helper = h;
    return h;
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const [kind, idText, value, sig] = line.split(" ");
      const p = this.pending.get(Number(idText));
      if (!p) continue;
      if (kind === "S") p.pid(Number(value));
      else if (kind === "E") {
        this.pending.delete(Number(idText));
        if (sig !== undefined) {
          // Perl helper: exact code, or the signal number.
          p.exit(
            value === "-"
              ? { code: null, signal: signalNames.get(Number(sig)) ?? "SIGKILL" }
              : { code: Number(value), signal: null },
          );
        } else {
          const status = Number(value);
          p.exit(
            status > 128 && signalNames.has(status - 128)
              ? { code: null, signal: signalNames.get(status - 128)! }
              : { code: status, signal: null },
          );
        }
      }
    }
    // Ref the helper only while tasks are running, so an idle controller can exit.
    if (this.pending.size === 0) this.helper?.unref();
  }

  private onHelperExit(e: Error): void {
    this.dead = e;
    this.helper = undefined;
    for (const p of this.pending.values()) p.fail(e);
    this.pending.clear();
  }

  run(r: SpawnRequest): Spawned {
    if (this.dead) {
      this.dead = undefined;
    }
    const h = this.start();
    h.ref();
    const id = this.nextId++;
    let pid!: (n: number) => void;
    let exit!: Pending["exit"];
    let fail!: (e: Error) => void;
    const pidP = new Promise<number>((res, rej) => {
      pid = res;
      fail = rej;
    });
    const exitP = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
      exit = res;
      const prev = fail;
      fail = (e) => {
        prev(e);
        rej(e);
      };
    });
    pidP.catch(() => undefined);
    this.pending.set(id, { pid, exit, fail: (e) => fail(e) });
    const env = Object.entries(r.env).map(([k, v]) => `${k}=${v}`);
    const fields = [
      String(id),
      r.cwd,
      r.stdin,
      r.stdout,
      r.stdoutMode === "truncate" ? "w" : "a",
      r.stderr,
      String(env.length),
      ...env,
      r.file,
      ...r.args,
    ];
    h.stdin!.write(fields.join(SEP) + "\n");
    return { pid: pidP, exit: exitP };
  }

  close(): void {
    this.helper?.stdin?.end();
  }
}

/** One helper per controller process, started on first use. */
export const sharedSpawner = new Spawner();
