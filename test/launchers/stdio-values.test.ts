/**
 * Issue 9 #4 and #16: a @stdio task's value reaches the program byte for byte, or the task fails
 * naming the port; string inputs and outputs are symmetric (one line end added, one removed).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildFixture, layoutNode, output, runLauncher, type BuiltWorker, type RunResult } from "./support.js";

let worker: BuiltWorker;
let probe: BuiltWorker;
beforeAll(async () => {
  worker = (await buildFixture("stdio")).stdio_worker!;
  probe = (await buildFixture("probe")).probe!;
});

/** Runs a one-input task of the stdio worker on `wire` (the input file in wire form). */
function run(task: string, port: string, wire: string): { result: RunResult; value?: Buffer } {
  const node = layoutNode({ task, inputs: { [port]: wire } });
  const result = runLauncher(worker.launcher, node);
  return { result, ...(result.done ? { value: output(node, "value") } : {}) };
}

/** The bytes `cat` received on stdin for a string input. */
function received(wire: string): Buffer {
  const { result, value } = run("received", "text", wire);
  expect(result.error, wire).toBeUndefined();
  return value!;
}

describe("a string reaches stdin byte for byte", () => {
  it("NUL characters included", () => {
    expect(received('"a\\u0000b"')).toEqual(Buffer.from("a\0b\n"));
    expect(received('"\\u0000"')).toEqual(Buffer.from("\0\n"));
  });

  it("surrogate pairs as UTF-8, escaped backslashes as backslashes", () => {
    expect(received('"\\ud83d\\ude00"').toString("utf8")).toBe("\u{1F600}\n");
    expect(received('"\\\\ud800 \\\\\\\\udc00"').toString("utf8")).toBe("\\ud800 \\\\udc00\n");
  });

  it("a large value (4 MiB with every escape kind) arrives whole", () => {
    const text = 'line "quoted" \\ tab\t \u00e9 \u{1F600} \u0001\n'.repeat(100_000);
    expect(received(JSON.stringify(text)).equals(Buffer.from(text))).toBe(true);
  });
});

describe("a string that no program can receive fails the task, naming the port", () => {
  it.each([
    ['"\\ud800"', "\\ud800"],
    ['"x\\udc00y"', "\\udc00"],
    ['"\\ud83d\\ud83d\\ude00"', "\\ud83d"],
    ['"\\\\\\udbff"', "\\udbff"],
  ])("a lone surrogate in %s", (wire, lone) => {
    const { result } = run("echo", "text", wire);
    expect(result.done).toBe(false);
    expect(result.error?.split("\n")[0]).toBe(
      `echo: input 'text' holds a lone surrogate (${lone}), which no UTF-8 text can carry`,
    );
  });

  it("as an argument: a lone surrogate, or NUL, which no argument can hold", () => {
    for (const [wire, reason] of [
      ['"\\udc00"', "holds a lone surrogate (\\udc00), which no UTF-8 text can carry"],
      ['"a\\u0000"', "holds a NUL character, which no argument or environment value can hold"],
    ]) {
      const node = layoutNode({ task: "args", inputs: { text: wire!, count: "1", blob: "" } });
      const result = runLauncher(probe.launcher, node);
      expect(result.error?.split("\n")[0]).toBe(`args: input 'text' ${reason}; the command line needs it`);
    }
  });
});

describe("string inputs and outputs are symmetric lines", () => {
  it("an input gets one line end unless empty or already ending with one", () => {
    expect(received('"abc"').toString()).toBe("abc\n");
    expect(received('"abc\\n"').toString()).toBe("abc\n");
    expect(received('"abc\\n\\n"').toString()).toBe("abc\n\n");
    expect(received('""').toString()).toBe("");
  });

  it("an output loses one line end: cat gives back the text of a one-line string", () => {
    for (const text of ["abc", "", "two\nlines", "h\u00e9llo \u{1F600}"]) {
      expect(JSON.parse(run("echo", "text", JSON.stringify(text)).value!.toString()), text).toBe(text);
    }
  });

  it("a scalar other than a string is one line too", () => {
    expect(run("width", "n", "42").value?.toString()).toBe("3");
    expect(run("width", "n", "9007199254740993").value?.toString()).toBe("17");
  });
});

describe("bc, a program that reports bad input on stderr and exits 0", () => {
  it("computes an expression given without a line end", () => {
    expect(run("calc", "expr", '"1+2"').value?.toString()).toBe('"3"');
    expect(run("calc", "expr", '"2^100"').value?.toString()).toBe('"1267650600228229401496703205376"');
  });

  it("a syntax error fails the task with bc's message, not an empty result", () => {
    const { result } = run("calc", "expr", '"1+"');
    expect(result.done).toBe(false);
    expect(result.error).toMatch(
      /^calc: output 'value' is empty and the program wrote to stderr\n--- last lines of stderr ---\n.*syntax error/,
    );
  });
});
