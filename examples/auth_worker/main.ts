// A worker written in TypeScript: the handler type comes from the generated stubs, so a handler
// with the wrong inputs or result fails `tsc`. Run as a program (`node main.ts <definition>`) it
// speaks the worker contract; imported, it runs in-process.
import { createPrivateKey, createSign, createVerify } from "node:crypto";
import { defineWorker, runIfMain } from "typespec-workers/runtime";
import { authWorker } from "../workers/auth_worker/stubs.ts";

const impl = defineWorker(authWorker, {
  sign: ({ private_key, passphrase, message }) => {
    const key = createPrivateKey({ key: Buffer.from(private_key), passphrase: Buffer.from(passphrase) });
    return { hex_signature: createSign("sha256").update(message).sign(key, "hex") };
  },
  verify: ({ public_key, signature, message }) =>
    createVerify("sha256").update(message).verify(Buffer.from(public_key), signature, "hex"),
});

export default impl;
await runIfMain(import.meta.url, impl);
