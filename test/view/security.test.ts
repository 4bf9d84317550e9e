// The viewer serves nothing outside the run directories it was given: not through node
// locations, port names, call-args paths or symbolic links; only to its own host name; and
// restarting needs the token printed at start.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startViewer, type ViewServer } from "../../src/view/server.js";
import { fixtureRun } from "./support.js";

let v: ViewServer;
let runDir: string;
let root: string;

function get(
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; body: string }> {
  const u = new URL(v.url);
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port: u.port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => ok({ status: res.statusCode!, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

beforeAll(async () => {
  ({ runDir, root } = await fixtureRun());
  // A second run under the same root, which the viewer was not given.
  const other = await fixtureRun(root, "other");
  writeFileSync(join(other.runDir, "-.N4.M0.N1", "outputs", "secret"), "other run's value");
  v = await startViewer({ targets: [runDir] });
});
afterAll(() => v.close());

describe("viewer security", () => {
  it("lists every run under a checkpoints root it is given", async () => {
    const all = await startViewer({ targets: [root] });
    try {
      const runs = (await (await fetch(`${all.url}api/runs`)).json()) as { id: string }[];
      expect(runs.map((r) => r.id).sort()).toEqual(["other", "wf"]);
    } finally {
      await all.close();
    }
  });

  it("listens on the loopback interface only", () => {
    expect((v.server.address() as { address: string }).address).toBe("127.0.0.1");
  });

  it("serves values of the run", async () => {
    const r = await get("/api/value?run=wf&loc=-.N4.M0.N1&side=out&port=value");
    expect(r).toEqual({ status: 200, body: "2" });
  });

  it("refuses locations and ports that name other paths", async () => {
    expect((await get("/api/node?run=wf&loc=-.N4%2F..%2F..")).status).toBe(400);
    expect((await get("/api/node?run=wf&loc=..%2F..%2Fetc")).status).toBe(400);
    expect((await get("/api/value?run=wf&loc=-.N4.M0.N1&side=out&port=..%2F..%2F_signature")).status).toBe(404);
    expect((await get("/api/value?run=wf&loc=-.N4.M0.N1&side=out&port=..")).status).toBe(404);
    expect((await get("/api/value?run=..%2Fother&loc=-.N4.M0.N1&side=out&port=secret")).status).toBe(404);
    expect((await get("/api/value?run=other&loc=-.N4.M0.N1&side=out&port=secret")).status).toBe(404);
    expect((await get("/..%2F..%2Fpackage.json")).status).toBe(404);
    expect((await get("/../../package.json")).status).toBe(404);
  });

  it("does not follow links or call args out of the run", async () => {
    const outs = join(runDir, "-.N4.M1.N1", "outputs");
    symlinkSync("/etc/hostname", join(outs, "leak"));
    expect((await get("/api/value?run=wf&loc=-.N4.M1.N1&side=out&port=leak")).status).toBe(404);
    const node = join(runDir, "-.N4.M2.N1");
    mkdirSync(node, { recursive: true });
    writeFileSync(
      join(node, "definition"),
      JSON.stringify({
        function_name: "add",
        inputs: { a: "wf/../../../../../etc/hostname", b: "other/-.N4.M0.N1/outputs/secret" },
      }),
    );
    expect((await get("/api/value?run=wf&loc=-.N4.M2.N1&side=in&port=a")).status).toBe(404);
    expect((await get("/api/value?run=wf&loc=-.N4.M2.N1&side=in&port=b")).status).toBe(404);
    const detail = JSON.parse((await get("/api/node?run=wf&loc=-.N4.M2.N1")).body);
    expect(detail.inputs.map((i: { error?: string }) => i.error)).toEqual([
      "not readable inside the run directory",
      "not readable inside the run directory",
    ]);
    expect(JSON.stringify(detail)).not.toContain("other run's value");
  });

  it("answers only to its own host name (no DNS rebinding)", async () => {
    const port = new URL(v.url).port;
    expect((await get("/", { host: `evil.example:${port}` })).status).toBe(421);
    expect((await get("/api/runs", { host: `localhost:${port}` })).status).toBe(200);
  });

  it("restarts only with the token", async () => {
    const path = "/api/restart?run=wf&loc=-.N4.M0.N1";
    expect((await get(path, {}, "POST")).status).toBe(403);
    expect((await get(path, { "x-viewer-token": "0".repeat(32) }, "POST")).status).toBe(403);
    const ok = await get(path, { "x-viewer-token": v.token }, "POST");
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).loc).toBe("-.N4.M0.N1");
    expect(v.urlWithToken).toBe(`${v.url}#token=${v.token}`);
  });
});
