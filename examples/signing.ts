// The quick start's main job: generate an encrypted RSA key with openssl (through its generated
// launcher), sign a message and verify the signature with a TypeScript worker, every value
// checkpointed under examples/runs/<run>.
import { graph, run } from "typespec-workers/graph";
import { t } from "typespec-workers/runtime";
import authImpl from "./auth_worker/main.ts";
import { authWorker } from "./workers/auth_worker/stubs.ts";
import { opensslWorker } from "./workers/openssl_worker/stubs.ts";

const { sign, verify } = authWorker.tasks;
const { genrsa } = opensslWorker.tasks;

const g = graph({ inputs: { message: t.string }, output: t.boolean, name: "signing" });
const passphrase = g.const(new TextEncoder().encode("dummypassphrase"));
const keys = g.task(genrsa({ numbits: g.const(2048), passphrase }));
const signature = g.task(sign({ private_key: keys.private_key, passphrase, message: g.inputs.message }));
g.output(
  g.task(verify({ public_key: keys.public_key, signature: signature.hex_signature, message: g.inputs.message })),
);

const here = new URL(".", import.meta.url).pathname;
const result = await run(
  g,
  { message: "hello from typespec-workers" },
  {
    root: `${here}runs`,
    workers: `${here}workers`,
    executors: { openssl_worker: "shell", auth_worker: authImpl },
    progress: true,
  },
);
console.log(`signature verified: ${result.value} (checkpoints in ${result.runDir})`);
if (result.value !== true) process.exitCode = 1;
