import { describe, expect, it } from "vitest";
import {
  CallArgsError,
  callArgsSchema,
  parseCallArgs,
  resolvePath,
  serializeCallArgs,
  type CallArgs,
} from "../../src/runtime/index.js";

// What upstream's controller writes (pydantic model_dump_json), copied byte for byte from a run.
const upstream =
  '{"function_name":"genrsa","inputs":{"passphrase":"wf/-.N-1/outputs/passphrase","numbits":"wf/-.N0/outputs/value"},"outputs":{"private_key":"wf/-.N1/outputs/private_key","public_key":"wf/-.N1/outputs/public_key"},"output_dir":"wf/-.N1/outputs","done_path":"wf/-.N1/_done","error_path":"wf/-.N1/_error","logs_path":"wf/logs"}';

const good = (): Record<string, unknown> => JSON.parse(upstream);

describe("call args", () => {
  it("parses upstream's definition file", () => {
    const a = parseCallArgs(upstream);
    expect(a.function_name).toBe("genrsa");
    expect(a.inputs).toEqual({ passphrase: "wf/-.N-1/outputs/passphrase", numbits: "wf/-.N0/outputs/value" });
    expect(a.logs_path).toBe("wf/logs");
  });

  it("serializes byte for byte as upstream: compact, wire order, no newline", () => {
    const a = parseCallArgs(upstream);
    // Rebuild with the fields in another order: the output order must not depend on it.
    const shuffled: CallArgs = {
      logs_path: a.logs_path,
      error_path: a.error_path,
      done_path: a.done_path,
      output_dir: a.output_dir,
      outputs: a.outputs,
      inputs: a.inputs,
      function_name: a.function_name,
    };
    expect(serializeCallArgs(shuffled)).toBe(upstream);
  });

  it("writes non-ASCII raw (UTF-8) and logs_path null", () => {
    const a: CallArgs = { ...parseCallArgs(upstream), output_dir: "wf/é", logs_path: null };
    const s = serializeCallArgs(a);
    expect(s).toContain('"output_dir":"wf/é"');
    expect(s.endsWith(',"logs_path":null}')).toBe(true);
    expect(parseCallArgs(s)).toEqual(a);
  });

  it("ignores unknown fields, as upstream's model does", () => {
    expect(parseCallArgs(JSON.stringify({ ...good(), extra: 1 })).function_name).toBe("genrsa");
  });

  const cases: [string, (v: Record<string, unknown>) => unknown, string][] = [
    ["missing function_name", (v) => delete v["function_name"], "call args: field 'function_name' is missing"],
    ["missing inputs", (v) => delete v["inputs"], "call args: field 'inputs' is missing"],
    ["missing logs_path", (v) => delete v["logs_path"], "call args: field 'logs_path' is missing"],
    [
      "function_name a number",
      (v) => (v["function_name"] = 3),
      "call args: field 'function_name' must be a non-empty string, got number 3",
    ],
    [
      "function_name empty",
      (v) => (v["function_name"] = ""),
      "call args: field 'function_name' must be a non-empty string",
    ],
    [
      "inputs an array",
      (v) => (v["inputs"] = []),
      "call args: field 'inputs' must be an object of strings (port name → path), got an array",
    ],
    [
      "an input path a number",
      (v) => (v["inputs"] = { a: "x", b: 7 }),
      "call args: field 'inputs' must be an object of strings (port name → path); port 'b' is number 7",
    ],
    [
      "outputs null",
      (v) => (v["outputs"] = null),
      "call args: field 'outputs' must be an object of strings (port name → path), got null",
    ],
    ["output_dir missing", (v) => delete v["output_dir"], "call args: field 'output_dir' is missing"],
    [
      "done_path an object",
      (v) => (v["done_path"] = {}),
      "call args: field 'done_path' must be a non-empty string (a path), got an object",
    ],
    [
      "error_path empty",
      (v) => (v["error_path"] = ""),
      "call args: field 'error_path' must be a non-empty string (a path)",
    ],
    [
      "logs_path a bool",
      (v) => (v["logs_path"] = false),
      "call args: field 'logs_path' must be a non-empty string (a path) or null, got boolean false",
    ],
  ];
  for (const [name, change, message] of cases) {
    it(`names the field: ${name}`, () => {
      const v = good();
      change(v);
      let err: unknown;
      try {
        parseCallArgs(JSON.stringify(v));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CallArgsError);
      expect((err as Error).message.startsWith(message)).toBe(true);
    });
  }

  it("reports the first bad field in wire order when several are bad", () => {
    const v = good();
    delete v["logs_path"];
    v["inputs"] = 1;
    expect(() => parseCallArgs(JSON.stringify(v))).toThrow("field 'inputs'");
  });

  it("rejects text that is not JSON or not an object", () => {
    expect(() => parseCallArgs("{")).toThrow(/^call args: not valid JSON/);
    expect(() => parseCallArgs("")).toThrow(/^call args: not valid JSON/);
    expect(() => parseCallArgs("[1]")).toThrow("call args: must be a JSON object, got an array");
  });

  it("has a schema that lists every field as required", () => {
    expect(callArgsSchema.required).toEqual([
      "function_name",
      "inputs",
      "outputs",
      "output_dir",
      "done_path",
      "error_path",
      "logs_path",
    ]);
  });

  it("resolves paths against the root and keeps absolute ones", () => {
    expect(resolvePath("/ck", "wf/-.N1/_done")).toBe("/ck/wf/-.N1/_done");
    expect(resolvePath("/ck", "/elsewhere/x")).toBe("/elsewhere/x");
  });
});
