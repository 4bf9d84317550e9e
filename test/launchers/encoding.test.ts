import { beforeAll, describe, expect, it } from "vitest";
import { wireText } from "../../src/emitter/launcher.js";
import { pythonFloat, pythonString } from "../../src/contract/json-text.js";
import { t } from "../../src/runtime/index.js";
import { buildFixture, layoutNode, output, python, runLauncher, type BuiltWorker } from "./support.js";

let probe: BuiltWorker;
beforeAll(async () => {
  probe = (await buildFixture("probe")).probe!;
});

/** Runs a one-input @stdio task of the probe worker; returns the stored output (wire form). */
function stdio(task: string, port: string, input: string | Buffer): string {
  const node = layoutNode({ task, inputs: { [port]: input } });
  const result = runLauncher(probe.launcher, node);
  expect(result.error, `${task} ${JSON.stringify(String(input))}`).toBeUndefined();
  expect(result.done).toBe(true);
  return output(node, "value").toString("utf8");
}

describe("stdin/stdout tasks run real programs", () => {
  it("sort: bytes in on stdin, bytes out from stdout", () => {
    expect(stdio("sortLines", "lines", Buffer.from("pear\napple\nfig\n"))).toBe("apple\nfig\npear\n");
  });

  it("wc -l: a string in as plain text, an int out encoded", () => {
    expect(stdio("countLines", "text", '"one\\ntwo\\nthree\\n"')).toBe("3");
  });
});

describe("scalar outputs written as plain text are stored in the wire format", () => {
  const floats = [
    "2",
    "1.5",
    "1e16",
    "1E5",
    "1e-7",
    "0.0001",
    "0.1",
    "100",
    "-0",
    "1e22",
    "123456789012345678",
    "0.30000000000000004",
    "3.14159265358979",
    ".5",
    "5.",
    "-2.5e-300",
    "1e308",
    "1e999",
    "4.35",
    "9007199254740993",
    "inf",
    "-inf",
    "nan",
    "  7\n",
  ];

  it("floats as Python's repr (checked against python3)", () => {
    const expected = python(
      "import json,sys\nfor line in sys.stdin.read().split('\\0'): print(json.dumps(float(line)))",
      floats.join("\0"),
    )
      .trimEnd()
      .split("\n");
    const actual = floats.map((text) => stdio("asFloat", "text", JSON.stringify(text)));
    expect(actual).toEqual(expected);
  });

  it("strings as Python's json.dumps, minus one trailing newline (checked against python3)", () => {
    const texts = [
      "plain",
      'with "quotes" and \\ backslash',
      "h\u00e9llo w\u00f6rld \u20ac",
      "emoji \u{1F600} astral",
      "ctl \u0001\u001f\u007f\t\r\b\f end",
      "two\nlines\n",
      "keeps inner\n\nblank lines\n\n",
      "",
      "\n",
      "a/b </script>",
    ];
    for (const text of texts) {
      const expected = python(
        "import json,sys; t=sys.stdin.read(); sys.stdout.write(json.dumps(t[:-1] if t.endswith('\\n') else t))",
        text,
      );
      expect(stdio("asString", "raw", Buffer.from(text, "utf8")), JSON.stringify(text)).toBe(expected);
    }
  });

  it("ints without surrounding white space, sign or leading zeros", () => {
    expect(stdio("countLines", "text", '""')).toBe("0");
  });

  it("bools, enums and void", () => {
    expect(stdio("asBool", "text", '"true\\n"')).toBe("true");
    expect(stdio("asBool", "text", '"0"')).toBe("false");
    expect(stdio("asColor", "text", '"green\\n"')).toBe('"green"');
    const node = layoutNode({ task: "effect" });
    expect(runLauncher(probe.launcher, node).done).toBe(true);
    expect(output(node, "value").toString()).toBe("null");
  });
});

describe("compile-time wire encoding of defaults matches Python", () => {
  it("floats and strings", () => {
    // 12345678901234567 is not a double: the test is that we write the double it becomes as Python does.
    // eslint-disable-next-line no-loss-of-precision
    const numbers = [2, 1.5, 1e16, 1e-7, 0.1, 1e22, 123456789.125, 5e-324, -0, 1e-4, 12345678901234567];
    const expected = python(
      "import json,sys\nfor x in sys.stdin.read().split(): print(json.dumps(float(x)))",
      numbers.map((n) => (Object.is(n, -0) ? "-0.0" : String(n))).join(" "),
    );
    expect(numbers.map(pythonFloat).join("\n")).toBe(expected.trimEnd());
    const text = 'h\u00e9llo \u{1F600} "q" \\ \n\t\u0001\u007f';
    expect(pythonString(text)).toBe(python("import json,sys; sys.stdout.write(json.dumps(sys.stdin.read()))", text));
  });

  it("structs in declaration order with Python's separators", () => {
    const point = t.struct("Point", [
      { name: "x", type: t.float64 },
      { name: "label", type: t.string },
    ]);
    expect(wireText({ label: "p", x: 1 }, point)).toBe('{"x": 1.0, "label": "p"}');
    expect(wireText([1, 2], t.list(t.float64))).toBe("[1.0, 2.0]");
  });
});
