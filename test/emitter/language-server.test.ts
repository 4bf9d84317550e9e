import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { bin, childEnv, scratchDir } from "../support/project.js";
import { repoRoot } from "../support/tester.js";

interface PublishedDiagnostics {
  uri: string;
  diagnostics: { code?: string; message: string; range: { start: { line: number; character: number } } }[];
}

/** The real TypeSpec language server, as an editor starts it. */
function startServer() {
  const child = spawn(
    join(bin, "node"),
    [join(repoRoot, "node_modules/@typespec/compiler/cmd/tsp-server.js"), "--stdio"],
    {
      env: childEnv,
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  connection.listen();
  return { child, connection };
}

describe("language server", () => {
  const { child, connection } = startServer();
  afterAll(() => {
    connection.dispose();
    child.kill();
  });

  it("publishes our diagnostic, at its location, for a document that misuses @portmapping", async () => {
    const dir = scratchDir("lsp");
    const file = join(dir, "main.tsp");
    const text = [
      'import "typespec-workers";',
      "using Workers;",
      "",
      "@portmapping",
      "model Nothing {}",
      "",
      "interface w { f(): Nothing; }",
      "",
    ].join("\n");
    writeFileSync(file, text);
    const uri = pathToFileURL(file).href;

    const published = new Promise<PublishedDiagnostics>((resolve) => {
      connection.onNotification("textDocument/publishDiagnostics", (params: PublishedDiagnostics) => {
        if (params.uri === uri && params.diagnostics.some((d) => String(d.code).startsWith("typespec-workers/"))) {
          resolve(params);
        }
      });
    });
    await connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      capabilities: {},
      workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "spec" }],
    });
    await connection.sendNotification("initialized", {});
    await connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "typespec", version: 1, text },
    });

    const { diagnostics } = await published;
    const ours = diagnostics.find((d) => d.code === "typespec-workers/empty-portmapping");
    expect(ours, JSON.stringify(diagnostics)).toBeDefined();
    expect(ours!.message).toContain("'Nothing' has no properties");
    expect(ours!.range.start).toEqual({ line: 4, character: 6 });
  }, 60_000);
});
