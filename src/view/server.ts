/**
 * The viewer's web server: the page, the runs, one node's details and values, live updates
 * (Server-Sent Events) and the restart action. Loopback only unless another host is given.
 * Requests name runs by id and nodes by checked location; nothing outside the given run
 * directories is served. Restarting needs the token printed at start, sent in a header (a page
 * of another origin can neither read the token nor send that header without a preflight this
 * server never grants); the Host header must name this server (no DNS rebinding).
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename } from "node:path";
import { isLoc } from "./locations.js";
import { nodeDetail, readRunTypes, valueFile } from "./node-detail.js";
import { PAGE_FILES, pageFile, type PageFile } from "./page-files.js";
import { restartNode } from "./restart.js";
import { RunWatch } from "./run-watch.js";
import { listRuns, type RunEntry } from "./runs.js";

export interface ViewOptions {
  /** Run directories or checkpoints roots. */
  readonly targets: readonly string[];
  readonly host?: string;
  /** 0 (default): any free port. */
  readonly port?: number;
  /** The restart token; default a new random one. */
  readonly token?: string;
}

export interface ViewServer {
  readonly url: string;
  /** The URL with the token (the one to open to be allowed to restart). */
  readonly urlWithToken: string;
  readonly token: string;
  readonly server: Server;
  /** The watched runs by id (for the bench). */
  readonly watches: Map<string, RunWatch>;
  close(): Promise<void>;
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export async function startViewer(options: ViewOptions): Promise<ViewServer> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token ?? randomBytes(16).toString("hex");
  const watches = new Map<string, RunWatch>();
  let runs: RunEntry[] = listRuns(options.targets);
  if (!runs.length) throw new Error(`no run directory at ${options.targets.join(", ")}`);
  let port = 0;

  const findRun = (id: string | null): RunEntry | undefined => {
    if (id === null) return undefined;
    let r = runs.find((x) => x.id === id);
    if (!r) {
      runs = listRuns(options.targets);
      r = runs.find((x) => x.id === id);
    }
    return r;
  };
  const watchOf = (r: RunEntry): RunWatch => {
    let w = watches.get(r.id);
    if (!w) watches.set(r.id, (w = new RunWatch(r.dir)));
    return w;
  };

  const hostAllowed = (h: string | undefined) => {
    if (!h) return false;
    const name = h.replace(/:\d+$/, "");
    const p = h.slice(name.length + 1);
    if (p !== String(port)) return false;
    // Told to listen elsewhere: the address the user gave is also a valid name.
    return LOOPBACK_NAMES.has(name) || !LOOPBACK_NAMES.has(host);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req.headers.host)) return send(res, 421, { error: "unknown host" });
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    const path = url.pathname;
    if (req.method === "GET" && (path === "/" || path === "/index.html")) return page(res, "index.html");
    if (req.method === "GET" && (path === "/viewer.js" || path === "/viewer.css"))
      return page(res, path.slice(1) as PageFile);
    if (req.method === "GET" && path === "/api/runs") {
      runs = listRuns(options.targets);
      return send(
        res,
        200,
        runs.map(({ dir, ...r }) => ({ ...r, folder: basename(dir) })),
      );
    }
    const run = findRun(url.searchParams.get("run"));
    const loc = url.searchParams.get("loc");
    if (path.startsWith("/api/") && !run) return send(res, 404, { error: "no such run" });
    if (loc !== null && !isLoc(loc)) return send(res, 400, { error: "not a node location" });
    if (req.method === "GET" && path === "/api/events") return events(req, res, watchOf(run!));
    if (req.method === "GET" && path === "/api/node") {
      const w = watchOf(run!);
      const d = loc ? await nodeDetail(w.model, loc, readRunTypes(run!.dir)) : undefined;
      return d ? send(res, 200, d) : send(res, 404, { error: "no such node" });
    }
    if (req.method === "GET" && path === "/api/value") {
      const side = url.searchParams.get("side");
      const port = url.searchParams.get("port") ?? "";
      if (!loc || (side !== "in" && side !== "out"))
        return send(res, 400, {
          error: "loc, side=in|out and port are needed",
        });
      const file = valueFile(watchOf(run!).model, loc, side, port);
      if (!file) return send(res, 404, { error: "no such value" });
      const name = `${loc}-${side === "in" ? "input" : "output"}-${port}`.replace(/[^\w.-]/g, "_");
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-disposition": `attachment; filename="${name}"`,
        ...NO_SNIFF,
      });
      createReadStream(file).pipe(res);
      return;
    }
    if (req.method === "POST" && path === "/api/restart") {
      if (req.headers["x-viewer-token"] !== token)
        return send(res, 403, {
          error: "restarting needs the token printed when the viewer started",
        });
      if (!loc) return send(res, 400, { error: "loc is needed" });
      const w = watchOf(run!);
      try {
        const outcome = await restartNode(run!.dir, loc, w.model);
        w.reload();
        return send(res, 200, outcome);
      } catch (e) {
        w.reload();
        return send(res, 409, { error: (e as Error).message });
      }
    }
    return send(res, 404, { error: "not found" });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) send(res, 500, { error: e.message });
      else res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const url = `http://${shown}:${port}/`;
  return {
    url,
    urlWithToken: `${url}#token=${token}`,
    token,
    server,
    watches,
    close: async () => {
      for (const w of watches.values()) w.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

const NO_SNIFF = {
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    ...NO_SNIFF,
  });
  res.end(JSON.stringify(body));
}

function page(res: ServerResponse, name: PageFile): void {
  res.writeHead(200, {
    "content-type": PAGE_FILES[name],
    // The page loads nothing from elsewhere and may not be framed by another site.
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    ...NO_SNIFF,
  });
  res.end(pageFile(name));
}

function events(req: IncomingMessage, res: ServerResponse, w: RunWatch): void {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    ...NO_SNIFF,
    connection: "keep-alive",
  });
  const push = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const unsubscribe = w.subscribe(push);
  // A comment now and then keeps proxies and idle timeouts from closing the stream.
  const ping = setInterval(() => res.write(": ping\n\n"), 15_000);
  req.on("close", () => {
    clearInterval(ping);
    unsubscribe();
  });
}
