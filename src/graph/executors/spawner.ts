/**
 * Starting task processes cheaply. Node's `spawn` forks the whole controller process on its main
 * thread (measured ~4 ms per task here, which alone makes 1,000 trivial tasks slower than
 * `xargs -P`). So task processes are started by one small long-lived helper instead, in Perl
 * where perl is on the PATH, else in bash (`HelperKind`): the controller writes one request line
 * per task, the helper starts the command in its own process group (so a kill reaches the
 * launcher and everything it started) and reports `S <id> <pid>` and `E <id> <status>` on its
 * stdout. Waiting stays event driven: the controller reacts to those lines.
 *
 * Fields are separated by the ASCII unit separator; a request whose fields contain it, or a
 * newline, is not sent (the caller falls back to `spawn`). Exit statuses above 128 are reported
 * by bash for signals (128 + signal number), as a shell does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { constants as os } from "node:os";
import { join } from "node:path";

const SEP = "\x1f";

const HELPER = `
exec 3>&1
while IFS=$'\\x1f' read -r -a f; do
  id=\${f[0]} cwd=\${f[1]} in=\${f[2]} out=\${f[3]} mode=\${f[4]} err=\${f[5]} n=\${f[6]}
  envs=("\${f[@]:7:n}")
  cmd=("\${f[@]:7+n}")
  (
    # Job control: the command below gets its own process group, which a kill can reach whole.
    set -m
    cd "$cwd" || { echo "E $id 127" >&3; exit; }
    if [ "$n" -gt 0 ]; then export "\${envs[@]}"; fi
    if [ "$mode" = w ]; then
      "\${cmd[@]}" <"$in" >"$out" 2>>"$err" 3>&- &
    else
      "\${cmd[@]}" <"$in" >>"$out" 2>>"$err" 3>&- &
    fi
    p=$!
    echo "S $id $p" >&3
    wait "$p"
    echo "E $id $?" >&3
  ) &
done
`;

/**
 * The same helper in Perl (Debian's essential perl-base), used when perl is on the PATH: it forks
 * from a small process without a reporter subshell per task and reads requests in blocks, so it
 * starts a task about as fast as xargs. Children get their own process group; exit reports are
 * driven by SIGCHLD through a self-pipe (no polling). Reports: `E <id> <code> <signal number>`.
 */
const PERL_HELPER = String.raw`
use strict; use warnings; use POSIX ();
$| = 1;
pipe(my $sr, my $sw) or die "pipe: $!";
{ my $o = select($sw); $| = 1; select($o); }
$SIG{CHLD} = sub { syswrite($sw, "x") };
my %job; my $buf = '';
my $in = fileno(STDIN); my $sfd = fileno($sr);
sub launch {
  my @f = split //, $_[0], -1;
  my ($id, $cwd, $inp, $out, $mode, $err, $n) = splice(@f, 0, 7);
  my @env = splice(@f, 0, $n);
  my @cmd = @f;
  my $pid = fork();
  if (!defined $pid) { print "E $id 126 0
"; return; }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT';
    POSIX::setpgid(0, 0);
    open(STDERR, '>>', $err) or POSIX::_exit(127);
    chdir $cwd or do { print STDERR "cannot enter $cwd: $!
"; POSIX::_exit(127) };
    for (@env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v; }
    open(STDIN, '<', $inp) or do { print STDERR "cannot read $inp: $!
"; POSIX::_exit(127) };
    open(STDOUT, $mode eq 'w' ? '>' : '>>', $out) or do { print STDERR "cannot write $out: $!
"; POSIX::_exit(127) };
    exec { $cmd[0] } @cmd;
    print STDERR "cannot run $cmd[0]: $!
";
    POSIX::_exit(127);
  }
  POSIX::setpgid($pid, $pid);
  $job{$pid} = $id;
  print "S $id $pid
";
}
while (1) {
  my $rin = ''; vec($rin, $in, 1) = 1; vec($rin, $sfd, 1) = 1;
  my $nready = select(my $rout = $rin, undef, undef, undef);
  if ($nready > 0 && vec($rout, $sfd, 1)) { sysread($sr, my $junk, 4096); }
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $id = delete $job{$pid};
    next unless defined $id;
    my $st = $?;
    print "E $id ", ($st & 127) ? "- " . ($st & 127) : ($st >> 8) . " 0", "
";
  }
  if ($nready > 0 && vec($rout, $in, 1)) {
    my $got = sysread(STDIN, $buf, 65536, length $buf);
    exit 0 if !$got;
    while ((my $i = index($buf, "
")) >= 0) {
      my $line = substr($buf, 0, $i);
      substr($buf, 0, $i + 1) = '';
      launch($line);
    }
  }
}
`;

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
    return fields.every((f) => !f.includes(SEP) && !f.includes("\n")) && Object.keys(r.env).every((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
  }

  /** `perl` when perl is on the PATH (the faster helper), else `bash`. */
  static defaultKind(): HelperKind {
    return process.env.TW_SPAWN !== "bash" && onPath("perl") ? "perl" : "bash";
  }

  constructor(readonly kind: HelperKind = Spawner.defaultKind()) {}

  private start(): ChildProcess {
    if (this.helper) return this.helper;
    // stderr ignored: bash reports finished jobs there ("Done"); task stderr goes to their files.
    const h =
      this.kind === "perl"
        ? spawn("perl", ["-e", PERL_HELPER], { stdio: ["pipe", "pipe", "ignore"] })
        : spawn("bash", ["-c", HELPER], { stdio: ["pipe", "pipe", "ignore"] });
    h.stdout!.setEncoding("utf8");
    h.stdout!.on("data", (chunk: string) => this.onData(chunk));
    h.once("exit", () => this.onHelperExit(new Error("the process helper exited")));
    h.once("error", (e) => this.onHelperExit(e));
    h.stdin!.on("error", () => undefined);
    // The helper must not keep the controller alive; it ends when its stdin closes.
    h.unref();
    (h.stdin as unknown as { unref?: () => void }).unref?.();
    (h.stdout as unknown as { unref?: () => void }).unref?.();
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
          p.exit(value === "-" ? { code: null, signal: signalNames.get(Number(sig)) ?? "SIGKILL" } : { code: Number(value), signal: null });
        } else {
          const status = Number(value);
          p.exit(status > 128 && signalNames.has(status - 128) ? { code: null, signal: signalNames.get(status - 128)! } : { code: status, signal: null });
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
    const fields = [String(id), r.cwd, r.stdin, r.stdout, r.stdoutMode === "truncate" ? "w" : "a", r.stderr, String(env.length), ...env, r.file, ...r.args];
    h.stdin!.write(fields.join(SEP) + "\n");
    return { pid: pidP, exit: exitP };
  }

  close(): void {
    this.helper?.stdin?.end();
  }
}

/** One helper per controller process, started on first use. */
export const sharedSpawner = new Spawner();
