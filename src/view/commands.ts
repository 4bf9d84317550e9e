/**
 * Commands to see runs: `view` (the live viewer), `report` (HTML report and trace) and `restart`
 * (a node and what depends on it).
 */
import type { Command } from "commander";
import { basename, resolve } from "node:path";

async function guarded(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

export function addViewCommands(program: Command): void {
  program
    .command("view")
    .description("serve a live view of runs in the browser: a run directory or a checkpoints root")
    .argument("<dirs...>", "run directories or checkpoints roots")
    .option("-p, --port <n>", "port (default: a free one)")
    .option("--host <address>", "address to listen on (default 127.0.0.1, this machine only)")
    .action(async (dirs: string[], o: { port?: string; host?: string }) => {
      await guarded(async () => {
        const { startViewer } = await import("./server.js");
        const v = await startViewer({
          targets: dirs,
          ...(o.port ? { port: Number(o.port) } : {}),
          ...(o.host ? { host: o.host } : {}),
        });
        process.stdout.write(
          `viewer: ${v.urlWithToken}\n(the token in the address allows restarting nodes; Ctrl-C stops the viewer)\n`,
        );
        const stop = () => void v.close().then(() => process.exit(0));
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });

  program
    .command("report")
    .description("write report.html (self-contained) and trace.tsv for a run directory")
    .argument("<run-dir>")
    .option("-o, --out <dir>", "folder for the files (default ./<run folder>-report)")
    .action(async (dir: string, o: { out?: string }) => {
      await guarded(async () => {
        const { writeReport } = await import("./report.js");
        const files = await writeReport(dir, o.out ?? `${basename(resolve(dir))}-report`);
        process.stdout.write(`${files.html}\n${files.trace}\n`);
      });
    });

  program
    .command("restart")
    .description("mark a node and everything that depends on it as not done (then resume the run)")
    .argument("<run-dir>")
    .argument("<location>", "the node, e.g. -.N3.M0.N1")
    // A location starts with "-": taken as the operand it is, not as an unknown option.
    .allowUnknownOption()
    .action(async (dir: string, loc: string) => {
      await guarded(async () => {
        const { restartNode } = await import("./restart.js");
        const r = await restartNode(dir, loc);
        process.stdout.write(
          `restarted ${r.loc}; ${r.removed.length} dependent node folder(s) removed${r.archive ? ` (kept in ${r.archive})` : ""}, ` +
            `${r.reopened.length} enclosing node(s) reopened\nnow: typespec-workers resume ${dir}\n`,
        );
      });
    });
}
