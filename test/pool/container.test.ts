// The container kind through real engines on this machine: podman (with the runc runtime and
// cgroupfs, see docs/worker-pool.md) running an image imported from a busybox root file system,
// and bwrap running the same root file system folder. Each engine that is not installed is said
// and skipped; the command line given to the engine is checked without one.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graph, run, TaskFailedError } from "../../src/graph/index.js";
import { containerCommand, type ContainerEngine } from "../../src/graph/executors/container.js";
import { onPath } from "../../src/graph/executors/python.js";
import { poolOptions, PoolConfigError } from "../../src/pool/index.js";
import { t } from "../../src/runtime/index.js";
import { tempDir, valueTask, workersCopy } from "./support.js";

const IMAGE = "localhost/tw-pool-test:1";
/** What podman needs on these machines (PLATFORM.md): crun cannot run in their hybrid cgroup mode. */
const PODMAN: ContainerEngine = {
  command: "podman",
  args: ["--runtime", "runc", "--cgroup-manager", "cgroupfs"],
  runArgs: ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"],
};

const busybox = ["/usr/bin/busybox", "/bin/busybox"].find((p) => existsSync(p));

/** A root file system of busybox alone: sh, cat, echo. */
function rootfs(): string {
  const dir = tempDir("tw-rootfs-");
  mkdirSync(join(dir, "bin"));
  for (const d of ["tmp", "proc", "dev", "etc"]) mkdirSync(join(dir, d));
  cpSync(busybox!, join(dir, "bin", "busybox"));
  chmodSync(join(dir, "bin", "busybox"), 0o755);
  for (const c of ["sh", "cat", "echo", "printf"]) symlinkSync("busybox", join(dir, "bin", c));
  return dir;
}

const genrsa = valueTask("openssl_worker", "genrsa", { n: t.int32 }, t.int32);
const envTask = valueTask("openssl_worker", "env", { n: t.int32 }, t.string);
const volTask = valueTask("openssl_worker", "vol", { n: t.int32 }, t.string);

function containerGraph() {
  const g = graph({ inputs: { n: t.int32 }, output: { echo: t.int32, env: t.string, vol: t.string } });
  g.output({
    echo: g.task(genrsa({ n: g.inputs.n })),
    env: g.task(envTask({ n: g.inputs.n })),
    vol: g.task(volTask({ n: g.inputs.n })),
  });
  return g;
}

async function runInContainer(engine: ContainerEngine, image: string) {
  const workers = workersCopy();
  const scratch = tempDir("tw-scratch-");
  writeFileSync(join(scratch, "in.txt"), '"from the volume"');
  const g = containerGraph();
  const pool = await poolOptions(
    {
      volumes: { scratch },
      workers: {
        openssl_worker: {
          kind: "container",
          image,
          engine,
          volume: "scratch",
          env: { FOO: "bar baz" },
          vars: { threads: 4 },
        },
      },
    },
    { graph: g, workers },
  );
  const root = tempDir();
  const r = await run(g, { n: 7 }, { root, workflowId: "c", ...pool });
  expect(r.value.echo).toBe(7);
  // env and vars reach the program; the contract's TKR_DIR is the same path inside.
  expect(r.value.env).toBe(`bar baz|4|${root}`);
  expect(r.value.vol).toBe("from the volume");
  expect(readFileSync(join(scratch, "out.txt"), "utf8")).toBe("written-inside\n");
  expect(readFileSync(join(root, "c", "-.N1", "_kind"), "utf8")).toBe("container");
}

describe("container workers", () => {
  it("gives podman the mounts, folder, environment and launcher at the same paths", () => {
    const c = containerCommand(PODMAN, {
      image: IMAGE,
      mounts: ["/runs", "/scratch"],
      readOnly: ["/w/openssl_worker"],
      cwd: "/runs",
      env: { A: "x y", B: "$(rm -rf /)" },
      argv: ["sh", "/w/openssl_worker/main.sh", "wf/-.N1/definition"],
    });
    expect(c.file).toBe("podman");
    expect(c.args).toEqual([
      ...PODMAN.args!,
      "run",
      "--rm",
      "--init",
      ...PODMAN.runArgs!,
      "--volume",
      "/runs:/runs",
      "--volume",
      "/scratch:/scratch",
      "--volume",
      "/w/openssl_worker:/w/openssl_worker:ro",
      "--workdir",
      "/runs",
      "--env",
      "A=x y",
      "--env",
      "B=$(rm -rf /)",
      IMAGE,
      "sh",
      "/w/openssl_worker/main.sh",
      "wf/-.N1/definition",
    ]);
    expect(() =>
      containerCommand(PODMAN, { image: IMAGE, mounts: ["/a:b"], readOnly: [], cwd: "/", env: {}, argv: [] }),
    ).toThrow(/cannot mount \/a:b/);
  });

  it("runs a launcher in a podman image with the run folder and a volume mounted", async (ctx) => {
    if (!onPath("podman") || !onPath("runc") || !busybox) {
      console.warn("podman, runc or busybox is not installed: the podman run is not tested here");
      return ctx.skip();
    }
    const tar = join(tempDir(), "rootfs.tar");
    execFileSync("tar", ["-C", rootfs(), "-cf", tar, "."]);
    execFileSync("podman", [...PODMAN.args!, "import", tar, IMAGE], { stdio: "ignore" });
    await runInContainer(PODMAN, IMAGE);
  });

  it("runs a launcher with bwrap in a root file system folder", async (ctx) => {
    if (!onPath("bwrap") || !busybox) {
      console.warn("bwrap or busybox is not installed: the bwrap run is not tested here");
      return ctx.skip();
    }
    await runInContainer({ command: "bwrap" }, rootfs());
  });

  it("a task over its time limit stops the container (podman), leaving none running", async (ctx) => {
    if (!onPath("podman") || !onPath("runc") || !busybox) return ctx.skip();
    const tar = join(tempDir(), "rootfs.tar");
    execFileSync("tar", ["-C", rootfs(), "-cf", tar, "."]);
    execFileSync("podman", [...PODMAN.args!, "import", tar, IMAGE], { stdio: "ignore" });
    const slow = valueTask("openssl_worker", "slow", { n: t.int32 }, t.int32);
    const g = graph({ inputs: { n: t.int32 }, output: t.int32 });
    g.output(g.task(slow({ n: g.inputs.n })));
    const pool = await poolOptions(
      { workers: { openssl_worker: { kind: "container", image: IMAGE, engine: PODMAN } } },
      { graph: g, workers: workersCopy() },
    );
    const root = tempDir();
    const failed = await run(g, { n: 1 }, { root, timeout: 3, ...pool }).catch((x: unknown) => x);
    expect(existsSync(join(root, "slow.started"))).toBe(true);
    expect((failed as Error).message).toMatch(/openssl_worker\.slow[\s\S]*timed out after 3 s/);
    const running = execFileSync("podman", [...PODMAN.args!, "ps", "--format", "{{.Command}} {{.Mounts}}"], {
      encoding: "utf8",
    });
    expect(running).not.toContain(root);
  });

  it("refuses a missing image or engine before anything runs; a failing program names the task", async (ctx) => {
    const g = containerGraph();
    const workers = workersCopy();
    const e = await poolOptions(
      { workers: { openssl_worker: { kind: "container", image: "/no/such/rootfs", engine: { command: "bwrap" } } } },
      { graph: g, workers },
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PoolConfigError);
    expect((e as Error).message).toContain("openssl_worker: image /no/such/rootfs is not a root file system folder");
    const noEngine = await poolOptions(
      {
        workers: {
          openssl_worker: { kind: "container", image: "x", engine: { command: "docker", path: "/no/docker" } },
        },
      },
      { graph: g, workers },
    ).catch((x: unknown) => x);
    expect((noEngine as Error).message).toContain("container engine '/no/docker' is not installed");
    if (onPath("podman")) {
      const noImage = await poolOptions(
        { workers: { openssl_worker: { kind: "container", image: "localhost/tw-no-such-image:1", engine: PODMAN } } },
        { graph: g, workers },
      ).catch((x: unknown) => x);
      expect((noImage as Error).message).toContain(
        "openssl_worker: image 'localhost/tw-no-such-image:1' is not in podman's image store",
      );
    }
    if (!onPath("bwrap") || !busybox) return ctx.skip();
    const bad = valueTask("openssl_worker", "nope", { n: t.int32 }, t.int32);
    const g2 = graph({ inputs: { n: t.int32 }, output: t.int32 });
    g2.output(g2.task(bad({ n: g2.inputs.n })));
    const pool = await poolOptions(
      { workers: { openssl_worker: { kind: "container", image: rootfs(), engine: { command: "bwrap" } } } },
      { graph: g2, workers },
    );
    const failed = await run(g2, { n: 1 }, { root: tempDir(), ...pool }).catch((x: unknown) => x);
    expect(failed).toBeInstanceOf(TaskFailedError);
    expect((failed as Error).message).toMatch(
      /openssl_worker\.nope[\s\S]*exited with status 9[\s\S]*unknown task nope/,
    );
  });
});
