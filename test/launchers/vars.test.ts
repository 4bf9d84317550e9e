// Template variables in real generated launchers run by real bash: each value reaches the program
// as exactly the text given (one argument, or part of one), hostile or not; defaults apply when
// the run sets none; a wrong type or a missing variable fails the task naming the variable.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  baseEnv,
  buildFixture,
  freshDir,
  layoutNode,
  nulRecords,
  output,
  runLauncher,
  type BuiltWorker,
} from "./support.js";

let worker: BuiltWorker;
beforeAll(async () => {
  worker = (await buildFixture("vars")).settings!;
});

/** Runs a task with the given var_* environment (and none inherited from the test's own). */
function run(task: string, vars: Record<string, string>, inputs?: Record<string, string>) {
  const node = layoutNode({ task, inputs });
  const env = Object.fromEntries(Object.entries(baseEnv()).filter(([k]) => !k.startsWith("var_")));
  const cwd = freshDir("vars-cwd");
  const result = runLauncher(worker.launcher, node, { env: { ...env, ...vars, TKR_DIR: node.root }, cwd });
  return { node, result, cwd };
}

describe("template variables in launchers", () => {
  it("take their defaults when the run sets none", () => {
    const { node, result } = run("args", { var_licence: "x" });
    expect(result.error).toBeUndefined();
    expect(nulRecords(output(node, "value"))).toEqual(["plain", "xplainy", "plain and {braces}", "4", "0.5", "false"]);
  });

  it("pass hostile values verbatim, as whole arguments and inside words, and nothing runs them", () => {
    const canaries = freshDir("vars-canaries");
    const canary = (name: string) => join(canaries, name);
    const values = [
      `$(touch ${canary("dollar")})`,
      `\`touch ${canary("backtick")}\``,
      `x; touch ${canary("semicolon")}`,
      `two words  and\ta tab`,
      `line one\nline two\n$(touch ${canary("newline")})\n`,
      `'"'"'; touch ${canary("quotes")}; echo '`,
      `--help`,
      `-rf`,
      `-`,
      ``,
      `{label} {{x}} {var.label} \${IFS} * ?`,
      `> ${canary("redirect")} | touch ${canary("pipe")} & touch ${canary("background")}`,
    ];
    for (const value of values) {
      const { node, result, cwd } = run("args", { var_label: value, var_threads: "-7", var_licence: "x" });
      expect(result.error, value).toBeUndefined();
      expect(nulRecords(output(node, "value")), value).toEqual([
        value,
        `x${value}y`,
        `${value} and {braces}`,
        "-7",
        "0.5",
        "false",
      ]);
      expect(existsSync(join(cwd, "touch")), value).toBe(false);
    }
    expect(
      ["dollar", "backtick", "semicolon", "newline", "quotes", "redirect", "pipe", "background"].filter((c) =>
        existsSync(canary(c)),
      ),
    ).toEqual([]);
  });

  it("with a default a shell would act on pass it verbatim", () => {
    const { node, result, cwd } = run("trickyDefault", {});
    expect(result.error).toBeUndefined();
    expect(output(node, "value").toString()).toBe(
      "-x $(touch tricky) `touch tricky` '\"; touch tricky; \\ {var.label} {{}} ${IFS}\n\tend",
    );
    expect(existsSync(join(cwd, "tricky"))).toBe(false);
  });

  it("are exported to the program with the values its command line got, defaults included", () => {
    const { node, result } = run("environment", { var_label: "a b", var_flag: "true" });
    expect(result.error).toBeUndefined();
    expect(nulRecords(output(node, "value"))).toEqual(["a b", "4", "0.5", "true", "unset"]);
  });

  it("reach a @stdio line", () => {
    const { node, result } = run("matching", { var_label: "-v" }, { text: JSON.stringify("a -v b\nc\n-v\n") });
    expect(result.error).toBeUndefined();
    expect(output(node, "value").toString()).toBe(JSON.stringify("a -v b\n-v"));
  });

  it.each([
    ["var_threads", "four", "template variable 'threads' should be an integer, but var_threads is 'four'"],
    ["var_threads", "4.0", "template variable 'threads' should be an integer, but var_threads is '4.0'"],
    ["var_threads", "", "template variable 'threads' should be an integer, but var_threads is ''"],
    ["var_ratio", "1/2", "template variable 'ratio' should be a number, but var_ratio is '1/2'"],
    ["var_flag", "yes", "template variable 'flag' should be true or false, but var_flag is 'yes'"],
  ])("fail the task, before its program starts, when %s=%j has the wrong type", (name, value, message) => {
    const { node, result } = run("args", { [name]: value, var_licence: "x" });
    expect(result.done).toBe(false);
    expect(result.error).toBe(`args: ${message}\n`);
    expect(existsSync(join(node.outputsDir, "value"))).toBe(false);
  });

  it("without a default fail a task whose command line names them, naming the variable", () => {
    const { result } = run("licensed", {});
    expect(result.done).toBe(false);
    expect(result.error).toBe(
      "licensed: template variable 'licence' has no default and var_licence is not set; the command line needs it\n",
    );
  });

  it("are no task: a call naming the task '@vars' fails, it does not run the variables' row", () => {
    const node = layoutNode({ task: "@vars" });
    const result = runLauncher(worker.launcher, node);
    expect(result.done).toBe(false);
    expect(result.error).toBe(
      "settings: no task '@vars' in this worker (tasks: args, environment, trickyDefault, licensed, matching)\n",
    );
  });

  it("without a default are set by the run", () => {
    const { node, result } = run("licensed", { var_licence: "site-42" });
    expect(result.error).toBeUndefined();
    expect(output(node, "value").toString()).toBe(JSON.stringify("site-42"));
  });
});
