import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildFixture, freshDir, layoutNode, runLauncher, type BuiltWorker } from "./support.js";

let worker: BuiltWorker;
beforeAll(async () => {
  worker = (await buildFixture("openssl")).openssl_worker!;
});

function openssl(args: string[]) {
  return spawnSync("openssl", args, { encoding: "utf8" });
}

describe("the openssl example of the issue", () => {
  it("generates an encrypted key that opens with the passphrase and matches its public half", () => {
    const passphrase = "correct horse battery staple";
    const node = layoutNode({
      task: "genrsa",
      inputs: { numbits: "2048", passphrase },
      outputs: ["private_key", "public_key"],
    });
    const result = runLauncher(worker.launcher, node);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.done).toBe(true);

    const privateKey = join(node.outputsDir, "private_key");
    const publicKey = join(node.outputsDir, "public_key");
    const scratch = freshDir("openssl-check");
    const passFile = join(scratch, "pass");
    writeFileSync(passFile, passphrase);

    // Encrypted: without the passphrase it does not open; with it, it does.
    const withoutPass = openssl(["rsa", "-in", privateKey, "-passin", "pass:wrong", "-noout"]);
    expect(withoutPass.status).not.toBe(0);
    const opened = openssl(["rsa", "-in", privateKey, "-passin", `file:${passFile}`, "-noout", "-text"]);
    expect(opened.status, opened.stderr).toBe(0);
    expect(opened.stdout).toContain("Private-Key: (2048 bit");

    // The public key derived from the private key is the one the task wrote.
    const derived = openssl(["rsa", "-in", privateKey, "-passin", `file:${passFile}`, "-pubout"]);
    expect(derived.status).toBe(0);
    const written = openssl(["pkey", "-pubin", "-in", publicKey]);
    expect(written.status, written.stderr).toBe(0);
    expect(written.stdout).toBe(derived.stdout);
  });
});
