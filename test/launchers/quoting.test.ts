import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { bashQuote } from "../../src/emitter/bash-quote.js";
import { parseTemplate } from "../../src/decorators/command-template.js";

describe("bashQuote: spec text as one literal bash word", () => {
  const samples = [
    "plain",
    "",
    "two words",
    "it's",
    '"double"',
    "$HOME",
    "$(touch x)",
    "`id`",
    "a\\b",
    "\\",
    "'",
    "''",
    "new\nline",
    "tab\there",
    "\u0001\u007f",
    "*",
    "~",
    "{a,b}",
    "-rf",
    "é 😀",
    "!event",
    "a'b\"c$d`e\\f\ng",
  ];

  it("bash reads each back exactly (checked by real bash)", () => {
    const script = samples.map((s) => `printf '%s\\0' ${bashQuote(s)}`).join("\n");
    const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(samples);
  });
});

describe("parseTemplate: words and placeholders at compile time", () => {
  const words = (line: string) => {
    const parsed = parseTemplate(line);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.words.map((w) => w.parts.map((p) => (p.kind === "text" ? p.text : `<${p.name}>`)).join(""));
  };

  it("splits at unquoted white space, keeps quoted spaces and placeholders inside words", () => {
    expect(words("openssl genrsa -out {private_key} -passout file:{passphrase}  {numbits}")).toEqual([
      "openssl",
      "genrsa",
      "-out",
      "<private_key>",
      "-passout",
      "file:<passphrase>",
      "<numbits>",
    ]);
    expect(words(`tool 'a b' "c 'd'" '' x'y z'w`)).toEqual(["tool", "a b", "c 'd'", "", "xy zw"]);
    expect(words("echo '{x} and {{y}}' }}")).toEqual(["echo", "<x> and {y}", "}"]);
  });

  it("records placeholder offsets for diagnostics", () => {
    const parsed = parseTemplate("a {in} b{out} -n{var.n}");
    expect(parsed.ok && parsed.placeholders).toEqual([
      { kind: "port", name: "in", offset: 2, end: 6 },
      { kind: "port", name: "out", offset: 8, end: 13 },
      { kind: "var", name: "n", offset: 16, end: 23 },
    ]);
  });

  it("rejects malformed templates with a reason and an offset", () => {
    expect(parseTemplate("a 'b")).toMatchObject({ ok: false, offset: 2 });
    expect(parseTemplate("a {b")).toMatchObject({ ok: false, offset: 2 });
    expect(parseTemplate("a }")).toMatchObject({ ok: false, offset: 2 });
    expect(parseTemplate("a {b-c}")).toMatchObject({ ok: false, offset: 2 });
    expect(parseTemplate("a {var.}")).toMatchObject({ ok: false, offset: 2 });
    expect(parseTemplate("a {vars.b}")).toMatchObject({ ok: false, offset: 2 });
    expect(parseTemplate("a {var.b.c}")).toMatchObject({ ok: false, offset: 2 });
    expect(parseTemplate("   ")).toMatchObject({ ok: false, reason: "the command line is empty" });
  });
});
