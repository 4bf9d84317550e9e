import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildFixture,
  freshDir,
  layoutNode,
  nulRecords,
  output,
  python,
  runLauncher,
  type BuiltWorker,
  type TaskNode,
} from "./support.js";

let probe: BuiltWorker;
let scratch: string;
beforeAll(async () => {
  probe = (await buildFixture("probe")).probe!;
});

/** Values a shell would act on if it re-read them; each would create a canary file. */
function hostileValues(canary: (name: string) => string): string[] {
  return [
    `$(touch ${canary("dollar")})`,
    `\`touch ${canary("backtick")}\``,
    `--help; touch ${canary("semicolon")}`,
    `-rf x'y"z`,
    `two words  and\ta tab`,
    `line one\nline two\n$(touch ${canary("newline")})\n`,
    `'"'"'; touch ${canary("quotes")}; echo '`,
    `\${IFS}$HOME * ? [a] ~ {a,b} \\ \\n`,
    `> ${canary("redirect")} | touch ${canary("pipe")} & touch ${canary("background")}`,
    `-`,
    ``,
    `héllo 😀 \u0001 end`,
  ];
}

/** The wire form of a string, written by Python as an upstream producer would. */
const wire = (text: string) => python("import json,sys; sys.stdout.write(json.dumps(sys.stdin.read()))", text);

function canaries(): { canary: (name: string) => string; found: () => string[] } {
  scratch = freshDir("canaries");
  const names: string[] = [];
  return {
    canary: (name) => (names.push(name), join(scratch, name)),
    found: () => names.filter((name) => existsSync(join(scratch, name))),
  };
}

describe("values cannot inject", () => {
  it("reach the program's argv verbatim, as whole arguments and inside words", () => {
    const { canary, found } = canaries();
    for (const text of hostileValues(canary)) {
      const node: TaskNode = layoutNode({
        task: "args",
        inputs: { text: wire(text), count: "-42", blob: Buffer.from("b") },
      });
      const result = runLauncher(probe.launcher, node, { cwd: scratch });
      expect(result.error, JSON.stringify(text)).toBeUndefined();
      // `bash -c '...' {value} ...`: the output path is $0, the rest are "$@".
      expect(nulRecords(output(node, "value")), JSON.stringify(text)).toEqual([
        text,
        `x${text}y`,
        `-${text}`,
        `${text} and {braces}`,
        "-42",
        join(node.root, "wf-1/-.N-1/outputs/blob"),
        "fallback", // the default of the optional `maybe`
      ]);
    }
    expect(found()).toEqual([]);
  });

  it("reach a script's environment verbatim (input_<port>_value)", () => {
    const { canary, found } = canaries();
    for (const text of hostileValues(canary)) {
      const node = layoutNode({
        task: "envdump",
        inputs: { text: wire(text), count: "1", ratio: "1.0", flag: "false", blob: "" },
        outputs: ["value"],
      });
      const result = runLauncher(probe.launcher, node, { cwd: scratch });
      expect(result.error).toBeUndefined();
      const vars = nulRecords(output(node, "value"));
      expect(vars).toContain(`input_text_value=${text}`);
    }
    expect(found()).toEqual([]);
  });

  it("reach a @stdio program's stdin verbatim and come back encoded as Python would", () => {
    const { canary, found } = canaries();
    for (const text of hostileValues(canary)) {
      const node = layoutNode({ task: "echo", inputs: { text: wire(text) } });
      const result = runLauncher(probe.launcher, node, { cwd: scratch });
      expect(result.error).toBeUndefined();
      // A string output loses one trailing newline (the line end programs write).
      expect(output(node, "value").toString(), JSON.stringify(text)).toBe(
        wire(text.endsWith("\n") ? text.slice(0, -1) : text),
      );
    }
    expect(found()).toEqual([]);
  });

  it("in a path: a checkpoint root with spaces, quotes and $() works and creates nothing", () => {
    const { canary, found } = canaries();
    const root = join(freshDir("root"), `it's a "root" $(touch ${canary("root")})`);
    const node = layoutNode({ task: "args", inputs: { text: wire("t"), count: "1", blob: "" } }, root);
    const result = runLauncher(probe.launcher, node, { cwd: scratch });
    expect(result.error).toBeUndefined();
    expect(nulRecords(output(node, "value"))[5]).toBe(join(root, "wf-1/-.N-1/outputs/blob"));
    expect(found()).toEqual([]);
  });
});
