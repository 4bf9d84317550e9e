/**
 * Issue 9 #4 and #16: a @stdio task's value reaches the program byte for byte, or the task fails
 * naming the port; string inputs and outputs are symmetric (one line end added, one removed).
 * Every test runs with each string codec: the compiled one (what executors hand launchers where a
 * C compiler builds it), the Perl one (the default where perl is on the PATH without it) and jq
 * (`TW_STRING_CODEC=jq`, and what a machine without perl gets).
 */
import { readdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { pythonString } from "../../src/contract/json-text.js";
import { CODEC_BIN_ENV, nativeCodec } from "../../src/graph/executors/native-codec.js";
import {
  baseEnv,
  buildFixture,
  freshDir,
  layoutNode,
  output,
  pathWithoutPerl,
  runLauncher,
  type BuiltWorker,
  type RunResult,
  type TaskNode,
} from "./support.js";

let worker: BuiltWorker;
let probe: BuiltWorker;
let codecBin: string;
beforeAll(async () => {
  worker = (await buildFixture("stdio")).stdio_worker!;
  probe = (await buildFixture("probe")).probe!;
  codecBin = (await nativeCodec({ TW_CACHE_DIR: freshDir("stdio-codec") }))!;
  expect(codecBin).toBeDefined();
});

type Codec = "native" | "perl" | "jq";
const codecs: Codec[] = ["native", "perl", "jq"];

function launch(launcher: string, node: TaskNode, codec: Codec, env: NodeJS.ProcessEnv = {}): RunResult {
  return runLauncher(launcher, node, {
    env: { ...baseEnv(), TKR_DIR: node.root, TW_STRING_CODEC: codec, [CODEC_BIN_ENV]: codecBin, ...env },
  });
}

/** Runs a one-input task of the stdio worker on `wire` (the input file in wire form). */
function run(
  codec: Codec,
  task: string,
  port: string,
  wire: string | Buffer,
  env?: NodeJS.ProcessEnv,
): { node: TaskNode; result: RunResult; value?: Buffer } {
  const node = layoutNode({ task, inputs: { [port]: wire } });
  const result = launch(worker.launcher, node, codec, env);
  return { node, result, ...(result.done ? { value: output(node, "value") } : {}) };
}

/** The error's first line (task, port, reason). */
const firstLine = (result: RunResult) => result.error?.split("\n")[0];

/** Text with every kind of character a JSON string escapes or a codec could trip on. */
const ODD = [
  "a\0b\0",
  Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("") + "\u007f",
  "line\u2028para\u2029end",
  "astral \u{1F600}\u{10FFFF}\u{10000} and BMP edges \u{FFFF}\u{E000}\u{D7FF}",
  'quotes " and \\ and \\\\ and / and \\u0041 as text',
  "",
  "no trailing newline",
  "two trailing newlines\n\n",
  "h\u00e9llo w\u00f6rld \u20ac \u65e5\u672c\u8a9e",
];

describe.each(codecs)("with the %s string codec", (codec) => {
  /** The bytes `cat` received on stdin for a string input. */
  function received(wire: string): Buffer {
    const { result, value } = run(codec, "received", "text", wire);
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

    it("odd values (controls, U+2028/2029, astral, empty), escaped as Python does or written raw", () => {
      for (const text of ODD) {
        const line = text === "" || text.endsWith("\n") ? text : `${text}\n`;
        expect(received(pythonString(text)), JSON.stringify(text)).toEqual(Buffer.from(line));
        // Raw UTF-8 and the escapes other writers use (JSON.stringify: raw text, upper-case hex).
        expect(received(` ${JSON.stringify(text)}\n`), JSON.stringify(text)).toEqual(Buffer.from(line));
        const upper = pythonString(text).replace(/\\u([0-9a-f]{4})/g, (_, h: string) => `\\u${h.toUpperCase()}`);
        expect(received(upper), JSON.stringify(text)).toEqual(Buffer.from(line));
      }
    });

    it("a large value (4 MiB with every escape kind) arrives whole", () => {
      const text = 'line "quoted" \\ tab\t \u00e9 \u{1F600} \u0001\n'.repeat(100_000);
      expect(received(JSON.stringify(text)).equals(Buffer.from(text))).toBe(true);
    });

    // The Perl and compiled codecs read 1 MiB at a time; jq reads the whole value at once.
    it.skipIf(codec === "jq")("escapes, surrogate pairs and characters across the codec's 1 MiB blocks", () => {
      // The block boundary falls at each byte of `\\\ud83d\ude00\u00e9\n` in turn.
      const tail = "\\\u{1F600}\u00e9\n!";
      const escaped = pythonString(tail).slice(1, -1);
      for (let shift = 0; shift <= escaped.length + 1; shift++) {
        const text = "a".repeat(2 ** 20 - 1 - shift) + tail;
        expect(received(pythonString(text)).equals(Buffer.from(`${text}\n`)), `shift ${shift}`).toBe(true);
      }
    });
  });

  describe("program output is stored as a JSON string, as Python's json.dumps writes it", () => {
    function encoded(bytes: Buffer): RunResult & { value?: string } {
      const { result, value } = run(codec, "encoded", "data", bytes);
      return { ...result, ...(value ? { value: value.toString() } : {}) };
    }

    it("odd values, minus one trailing newline", () => {
      for (const text of ODD) {
        const { error, value } = encoded(Buffer.from(text));
        expect(error, JSON.stringify(text)).toBeUndefined();
        expect(value, JSON.stringify(text)).toBe(pythonString(text.endsWith("\n") ? text.slice(0, -1) : text));
      }
    });

    it.skipIf(codec === "jq")("characters across the codec's 1 MiB blocks", () => {
      // The boundary falls at each byte of `\u{1F600}\u00e9\n` in turn.
      for (let shift = 0; shift <= 7; shift++) {
        const text = "b".repeat(2 ** 20 - shift) + "\u{1F600}\u00e9\n";
        const { error, value } = encoded(Buffer.from(text));
        expect(error, `shift ${shift}`).toBeUndefined();
        expect(value, `shift ${shift}`).toBe(pythonString(text.slice(0, -1)));
      }
    });

    it.each([
      ["a lone continuation byte", "ok \xff", 3],
      ["an overlong form", "ok \xc0\xaf", 3],
      ["an encoded surrogate", "ok \xed\xa0\x80 x", 3],
      ["a code point above U+10FFFF", "ok \xf4\x90\x80\x80", 3],
      ["a character cut short at the end", "ok \xe2\x82", 3],
      ["a character cut short by ASCII", "\xe2\x82a", 0],
    ])("text that is not UTF-8 fails the task, naming the port: %s", (_, latin1, offset) => {
      const bytes = Buffer.from(latin1, "latin1");
      const { node, result } = run(codec, "encoded", "data", bytes);
      expect(result.done).toBe(false);
      expect(firstLine(result)).toBe(
        codec !== "jq"
          ? `encoded: output 'value' is not valid UTF-8 text (byte 0x${bytes[offset]!.toString(16)} at offset ${offset})`
          : "encoded: output 'value' is not valid UTF-8 text",
      );
      // Nothing stays where a finished value would be.
      expect(readdirSync(node.outputsDir)).toEqual([]);
    });

    it("also past the first block", () => {
      const bytes = Buffer.concat([Buffer.from("c".repeat(3 * 2 ** 20)), Buffer.from([0xff])]);
      const { result } = run(codec, "encoded", "data", bytes);
      expect(firstLine(result)).toMatch(
        /^encoded: output 'value' is not valid UTF-8 text( \(byte 0xff at offset 3145728\))?$/,
      );
    });
  });

  describe("a string that no program can receive fails the task, naming the port", () => {
    it.each([
      ['"\\ud800"', "\\ud800"],
      ['"x\\udc00y"', "\\udc00"],
      ['"\\ud83d\\ud83d\\ude00"', "\\ud83d"],
      ['"\\\\\\udbff"', "\\udbff"],
      ['"ok\\ud83d"', "\\ud83d"],
    ])("a lone surrogate in %s", (wire, lone) => {
      const { result } = run(codec, "echo", "text", wire);
      expect(result.done).toBe(false);
      expect(firstLine(result)).toBe(
        `echo: input 'text' holds a lone surrogate (${lone}), which no UTF-8 text can carry`,
      );
    });

    it.each([
      ["two values", '"a" "b"'],
      ["a bad escape", '"a\\x"'],
      ["a short \\u escape", '"a\\u12"'],
      ["a raw control character", '"a\tb"'],
      ["no closing quote", '"abc'],
    ])("a wire value that is not one JSON string: %s", (_, wire) => {
      const { result } = run(codec, "received", "text", wire);
      expect(result.done).toBe(false);
      expect(firstLine(result)).toMatch(/^received: input 'text' is not a valid JSON string( \(.*\))?$/);
    });

    it("raw bytes in the wire value that are not UTF-8", () => {
      const { result } = run(codec, "received", "text", Buffer.from('"ok \xff"', "latin1"));
      expect(firstLine(result)).toMatch(
        /^received: input 'text' is not valid UTF-8 text( \(byte 0xff at offset 4\))?$/,
      );
    });

    it("as an argument: a lone surrogate, NUL (which no argument can hold), or bytes that are not UTF-8", () => {
      for (const [wire, reason] of [
        ['"\\udc00"', "holds a lone surrogate (\\udc00), which no UTF-8 text can carry"],
        ['"a\\u0000"', "holds a NUL character, which no argument or environment value can hold"],
      ]) {
        const node = layoutNode({ task: "args", inputs: { text: wire!, count: "1", blob: "" } });
        const result = launch(probe.launcher, node, codec);
        expect(firstLine(result)).toBe(`args: input 'text' ${reason}; the command line needs it`);
      }
      const node = layoutNode({
        task: "args",
        inputs: { text: Buffer.from('"\xff"', "latin1"), count: "1", blob: "" },
      });
      expect(firstLine(launch(probe.launcher, node, codec))).toMatch(
        /^args: input 'text' is not valid UTF-8 text( \(byte 0xff at offset 1\))?; the command line needs it$/,
      );
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
      for (const text of ["abc", "", "two\nlines", "h\u00e9llo \u{1F600}", ...ODD.filter((t) => !t.endsWith("\n"))]) {
        const value = run(codec, "echo", "text", pythonString(text)).value;
        expect(value?.toString(), JSON.stringify(text)).toBe(pythonString(text));
      }
    });

    it("a 20 MB value goes through both ways unchanged", () => {
      const unit = 'row "q" \\ \t\u0000 \u00e9\u2028 \u{1F600} \u65e5 end\n';
      const text = unit.repeat(Math.ceil(20e6 / Buffer.byteLength(unit))).slice(0, -1);
      const { result, value } = run(codec, "echo", "text", pythonString(text));
      expect(result.error).toBeUndefined();
      expect(value!.equals(Buffer.from(pythonString(text)))).toBe(true);
    }, 300_000);

    it("a scalar other than a string is one line too", () => {
      expect(run(codec, "width", "n", "42").value?.toString()).toBe("3");
      expect(run(codec, "width", "n", "9007199254740993").value?.toString()).toBe("17");
    });
  });

  describe("bc, a program that reports bad input on stderr and exits 0", () => {
    it("computes an expression given without a line end", () => {
      expect(run(codec, "calc", "expr", '"1+2"').value?.toString()).toBe('"3"');
      expect(run(codec, "calc", "expr", '"2^100"').value?.toString()).toBe('"1267650600228229401496703205376"');
    });

    it("a syntax error fails the task with bc's message, not an empty result", () => {
      const { result } = run(codec, "calc", "expr", '"1+"');
      expect(result.done).toBe(false);
      expect(result.error).toMatch(
        /^calc: output 'value' is empty and the program wrote to stderr\n--- last lines of stderr ---\n.*syntax error/,
      );
    });
  });
});

describe("choosing the string codec (TW_STRING_CODEC)", () => {
  const bad = Buffer.from("ok \xff", "latin1");

  it("the compiled codec where TW_STRING_CODEC_BIN names it, else perl where it is on the PATH (both give the offset), else jq", () => {
    const offset = "encoded: output 'value' is not valid UTF-8 text (byte 0xff at offset 3)";
    let result = run("perl", "encoded", "data", bad, { TW_STRING_CODEC: "", [CODEC_BIN_ENV]: "" }).result;
    expect(firstLine(result)).toBe(offset);
    const noPerl = pathWithoutPerl();
    // No perl, and still the offset: the compiled codec ran.
    result = run("perl", "encoded", "data", bad, { TW_STRING_CODEC: "", PATH: noPerl }).result;
    expect(firstLine(result)).toBe(offset);
    result = run("perl", "encoded", "data", bad, { TW_STRING_CODEC: "", [CODEC_BIN_ENV]: "", PATH: noPerl }).result;
    expect(firstLine(result)).toBe("encoded: output 'value' is not valid UTF-8 text");
    // And the jq path works there.
    const { value } = run("perl", "echo", "text", pythonString("h\u00e9 \u{1F600}"), {
      TW_STRING_CODEC: "",
      [CODEC_BIN_ENV]: "",
      PATH: noPerl,
    });
    expect(value?.toString()).toBe(pythonString("h\u00e9 \u{1F600}"));
  });

  it("TW_STRING_CODEC=perl without perl, or an unknown value, fails the task saying so", () => {
    let result = run("perl", "echo", "text", '"a"', { PATH: pathWithoutPerl() }).result;
    expect(firstLine(result)).toBe("stdio_worker: TW_STRING_CODEC is perl, and perl was not found on PATH");
    result = run("perl", "echo", "text", '"a"', { TW_STRING_CODEC: "python" }).result;
    expect(firstLine(result)).toBe("stdio_worker: TW_STRING_CODEC 'python' is not native, perl or jq");
  });
});
