/**
 * The compiled string codec (src/graph/executors/native-codec.c): built by the real system C
 * compiler, cached, handed to launchers, and checked against the Perl codec it replaces on
 * generated values (differential fuzzing). The fuzzing builds use blocks of 16, 17 and 64 bytes,
 * so that every escape, surrogate pair and UTF-8 character meets a block end, and all run under
 * AddressSanitizer and UBSan where the compiler has them. `npm run soak` runs more values.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pythonString } from "../../src/contract/json-text.js";
import { CODEC_BIN_ENV, nativeCodec } from "../../src/graph/executors/native-codec.js";
import { STRING_CODEC_PATH } from "../../src/emitter/launcher-runtime.js";
import {
  baseEnv,
  buildFixture,
  freshDir,
  layoutNode,
  output,
  pathWithoutPerl,
  runLauncher,
  type BuiltWorker,
} from "./support.js";

const SOURCE = new URL("../../src/graph/executors/native-codec.c", import.meta.url).pathname;
const SOAK = process.env.SOAK === "1";

function compile(out: string, ...flags: string[]): { status: number | null; stderr: string } {
  const r = spawnSync("cc", ["-std=c99", ...flags, "-o", out, SOURCE], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

describe("building the compiled codec", () => {
  it("compiles without a warning under -Wall -Wextra -Wpedantic -Wconversion -Wshadow (its lint)", () => {
    const r = compile(
      join(freshDir("codec-lint"), "codec"),
      "-O2",
      "-Wall",
      "-Wextra",
      "-Wpedantic",
      "-Wconversion",
      "-Wshadow",
      "-Werror",
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("is built once into the cache folder and found there afterwards", async () => {
    const cache = freshDir("codec-cache");
    const first = await nativeCodec({ TW_CACHE_DIR: cache });
    expect(first).toMatch(new RegExp(`^${cache}/string-codec-[0-9a-f]{16}-${process.platform}-${process.arch}$`));
    expect(spawnSync(first!, ["version"], { encoding: "utf8" }).stdout).toBe("1\n");
    const built = statSync(first!);
    // A compiler that fails is not called when the cache has it.
    expect(await nativeCodec({ TW_CACHE_DIR: cache, CC: "false" })).toBe(first);
    expect(statSync(first!).mtimeMs).toBe(built.mtimeMs);
  });

  it("a build abandoned by a controller that died is cleared; one still running, or another machine's, is left alone", async () => {
    const cache = freshDir("codec-abandoned");
    const target = (await nativeCodec({ TW_CACHE_DIR: cache }))!;
    rmSync(target);
    // Above the largest pid_max Linux allows: no process has it (the pid of a process that just
    // ended can be in use again at once, where pid_max is 32768 and the suite starts thousands).
    const dead = 2 ** 22 + 1;
    const here = hostname();
    writeFileSync(`${target}.${here}.${dead}.tmp`, "half a program");
    writeFileSync(`${target}.${here}.${process.ppid}.tmp`, "a build in progress");
    // Another machine sharing the folder: its pids mean nothing here.
    writeFileSync(`${target}.other-host.${dead}.tmp`, "another machine's build");
    expect(await nativeCodec({ TW_CACHE_DIR: cache })).toBe(target);
    expect(readdirSync(cache).sort()).toEqual(
      [target, `${target}.${here}.${process.ppid}.tmp`, `${target}.other-host.${dead}.tmp`]
        .map((p) => basename(p))
        .sort(),
    );
  });

  it("controllers building at once each get a whole program", async () => {
    // Separate processes, running the build (dist/) as a controller does.
    const cache = freshDir("codec-race");
    const script = `import { nativeCodec } from ${JSON.stringify(new URL("../../dist/src/graph/executors/native-codec.js", import.meta.url).pathname)};
      console.log(await nativeCodec({ TW_CACHE_DIR: ${JSON.stringify(cache)} }));`;
    const paths = await Promise.all(
      Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        return new Promise<string>((resolve) => child.on("close", () => resolve(out.trim())));
      }),
    );
    expect(new Set(paths).size).toBe(1);
    expect(spawnSync(paths[0]!, ["version"], { encoding: "utf8" }).stdout).toBe("1\n");
  });

  it("gives nothing (launchers then use Perl) without a compiler, with a cache others can write, or when TW_STRING_CODEC asks for another codec", async () => {
    expect(await nativeCodec({ TW_CACHE_DIR: freshDir("codec-no-cc"), CC: "/nonexistent/cc" })).toBeUndefined();
    expect(await nativeCodec({ TW_CACHE_DIR: freshDir("codec-bad-cc"), CC: "false" })).toBeUndefined();
    const open = freshDir("codec-open");
    chmodSync(open, 0o777);
    expect(await nativeCodec({ TW_CACHE_DIR: open })).toBeUndefined();
    expect(await nativeCodec({ TW_CACHE_DIR: freshDir("codec-perl"), TW_STRING_CODEC: "perl" })).toBeUndefined();
    const file = join(freshDir("codec-file"), "not-a-folder");
    writeFileSync(file, "");
    expect(await nativeCodec({ TW_CACHE_DIR: file })).toBeUndefined();
  });
});

describe("in a launcher", () => {
  let worker: BuiltWorker;
  let codec: string;
  beforeAll(async () => {
    worker = (await buildFixture("stdio")).stdio_worker!;
    codec = (await nativeCodec({ TW_CACHE_DIR: freshDir("codec-launcher") }))!;
  });

  function echo(env: NodeJS.ProcessEnv, wire: string | Buffer = pythonString("h\u00e9 \u{1F600}")) {
    const node = layoutNode({ task: "echo", inputs: { text: wire } });
    const result = runLauncher(worker.launcher, node, { env: { ...baseEnv(), TKR_DIR: node.root, ...env } });
    return { result, value: result.done ? output(node, "value").toString() : undefined };
  }

  it("is used when TW_STRING_CODEC_BIN names it (its messages are the Perl codec's)", () => {
    // A program that fails every call in its own words shows which codec ran.
    const liar = join(freshDir("codec-liar"), "codec");
    writeFileSync(liar, '#!/bin/sh\n[ "$1" = version ] && { echo 1; exit 0; }\necho "is a test double" >&2\nexit 1\n');
    chmodSync(liar, 0o755);
    expect(echo({ [CODEC_BIN_ENV]: liar }).result.error?.split("\n")[0]).toBe("echo: input 'text' is a test double");
    expect(echo({ [CODEC_BIN_ENV]: codec }).value).toBe(pythonString("h\u00e9 \u{1F600}"));
  });

  it("where it does not run, perl takes over (jq without perl); with TW_STRING_CODEC=native the task fails naming it", () => {
    const broken = join(freshDir("codec-broken"), "codec");
    writeFileSync(broken, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]));
    chmodSync(broken, 0o755);
    expect(echo({ [CODEC_BIN_ENV]: broken }).value).toBe(pythonString("h\u00e9 \u{1F600}"));
    // Perl and jq are told apart by their messages: jq's give no offset.
    const bad = Buffer.from('"ok \xff"', "latin1");
    expect(echo({ [CODEC_BIN_ENV]: broken }, bad).result.error?.split("\n")[0]).toBe(
      "echo: input 'text' is not valid UTF-8 text (byte 0xff at offset 4)",
    );
    const noPerl = { [CODEC_BIN_ENV]: broken, PATH: pathWithoutPerl() };
    expect(echo(noPerl, bad).result.error?.split("\n")[0]).toBe("echo: input 'text' is not valid UTF-8 text");
    expect(echo(noPerl).value).toBe(pythonString("h\u00e9 \u{1F600}"));
    expect(echo({ [CODEC_BIN_ENV]: broken, TW_STRING_CODEC: "native" }).result.error?.split("\n")[0]).toBe(
      `echo: the string codec ${broken} (TW_STRING_CODEC_BIN) does not run here`,
    );
    expect(echo({ TW_STRING_CODEC: "native" }).result.error?.split("\n")[0]).toBe(
      "stdio_worker: TW_STRING_CODEC is native, and TW_STRING_CODEC_BIN is not an executable file",
    );
  });
});

// --- differential fuzzing against the Perl codec ------------------------------------------------

type Mode = "encode" | "decode" | "decode-line" | "value";
const MODES: Mode[] = ["encode", "decode", "decode-line", "value"];

interface Outcome {
  readonly status: number | null;
  /** The converted value (the file, or stdout in value mode), or the reason given. */
  readonly result: string;
}

function convert(command: readonly string[], mode: Mode, input: Buffer, dir: string): Outcome {
  const file = join(dir, "out");
  const args = mode === "value" ? [mode] : [mode, file];
  writeFileSync(file, "");
  const r = spawnSync(command[0]!, [...command.slice(1), ...args], {
    input,
    env: { PATH: process.env.PATH, ASAN_OPTIONS: "detect_leaks=0", PERL5OPT: "", PERL_UNICODE: "0" },
  });
  const stderr = r.stderr.toString("latin1");
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command.join(" ")} ${mode}: status ${r.status}: ${stderr}`);
  if (mode === "value") return { status: r.status, result: r.stdout.toString("latin1") };
  return { status: r.status, result: r.status === 0 ? readFileSync(file, "latin1") : stderr };
}

/** A deterministic generator (the high bits of an LCG). */
function random(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor(s / 65536) % n;
  };
}

/** Text that exercises every escape: controls, quotes, backslashes, U+2028, astral characters. */
function text(pick: (n: number) => number): string {
  const parts = [
    "a",
    "word ",
    "\n",
    "\t",
    "\0",
    "\u0001",
    "\u007f",
    '"',
    "\\",
    "/",
    "\u00e9",
    "\u20ac",
    "\u2028",
    "\u{1F600}",
    "\u{10FFFF}",
    "\uFFFF",
    "\\u0041",
    "\n\n",
  ];
  let s = "";
  for (let i = pick(40); i > 0; i--) {
    // Plain runs of every length too: one that starts just past a full output block is where a
    // copy would overrun it (seen: a fix for it was caught only by blocks of 64 and these runs).
    s += pick(8) === 0 ? "p".repeat(pick(100)) : parts[pick(parts.length)];
  }
  return s;
}

/** The text as a JSON string, its escapes written each of the ways writers write them. */
function wire(s: string, pick: (n: number) => number): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const raw = pick(3) === 0 && c >= 0x20 && ch !== '"' && ch !== "\\";
    if (raw) out += ch;
    else if (c >= 0x10000) out += pythonString(ch).slice(1, -1);
    else if (pick(2) === 0)
      out += `\\u${c.toString(16).padStart(4, "0")}`.replace(/[a-f]/g, (h) => (pick(2) ? h : h.toUpperCase()));
    else out += pythonString(ch).slice(1, -1);
  }
  return `${" \n".slice(0, pick(3))}${out}"${pick(4) === 0 ? "\n" : ""}`;
}

/** One fault, put between two characters of a valid value: each codec must name the same one. */
const WIRE_FAULTS = [
  "\u0001",
  "\\x",
  "\\u12g4",
  "\\ud800",
  "\\udc00",
  "\\ud83dx",
  "\xff",
  "\xc0\xaf",
  "\xed\xa0\x80",
  "\xe2\x82z",
];
const TEXT_FAULTS = ["\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82z", "\x80", "\xf0\x9f\x98"];

/** The fault's bytes put into a JSON string's body at a random point between characters (never inside an escape or a surrogate pair). */
function insertInWire(w: string, fault: string, pick: (n: number) => number): Buffer {
  const body = w.lastIndexOf('"');
  const points: number[] = [];
  for (let i = w.indexOf('"') + 1; i <= body; i++) {
    points.push(i);
    if (w[i] !== "\\") continue;
    if (w[i + 1] !== "u") i += 1;
    else i += /^[dD][89abAB]/.test(w.slice(i + 2, i + 4)) ? 11 : 5;
  }
  const at = points[pick(points.length)]!;
  return Buffer.concat([Buffer.from(w.slice(0, at)), Buffer.from(fault, "latin1"), Buffer.from(w.slice(at))]);
}

describe("the compiled codec gives the Perl codec's results", () => {
  const perl = ["perl", STRING_CODEC_PATH];
  let builds: string[][];
  let dir: string;
  beforeAll(() => {
    dir = freshDir("codec-fuzz");
    builds = [];
    const sanitize = compile(join(dir, "probe"), "-fsanitize=address,undefined", "-O1").status === 0;
    for (const block of [16, 17, 64, 1 << 20]) {
      const out = join(dir, `codec-${block}`);
      const flags = [`-DBLOCK=${block}`, "-O1", "-g"];
      if (sanitize) flags.push("-fsanitize=address,undefined", "-fno-sanitize-recover=all");
      const r = compile(out, ...flags);
      expect(r.status, r.stderr).toBe(0);
      builds.push([out]);
    }
  });

  function same(mode: Mode, input: Buffer, alsoReason: boolean) {
    const expected = convert(perl, mode, input, dir);
    for (const build of builds) {
      const got = convert(build, mode, input, dir);
      const label = `${build[0]} ${mode} ${JSON.stringify(input.toString("latin1"))}`;
      expect(got.status, label).toBe(expected.status);
      if (expected.status === 0 || alsoReason) expect(got.result, label).toBe(expected.result);
    }
  }

  const count = SOAK ? 1500 : 80;

  it(`on ${count} valid values per mode, written every way`, () => {
    const pick = random(1);
    for (let i = 0; i < count; i++) {
      const s = text(pick);
      same("encode", Buffer.from(s), true);
      const w = Buffer.from(wire(s, pick));
      for (const mode of ["decode", "decode-line", "value"] as const) same(mode, w, true);
    }
  }, 600_000);

  it(`on ${count} values with one fault, naming the same fault`, () => {
    const pick = random(2);
    for (let i = 0; i < count; i++) {
      const s = text(pick);
      const chars = [...s];
      const at = pick(chars.length + 1);
      const bad = Buffer.concat([
        Buffer.from(chars.slice(0, at).join("")),
        Buffer.from(TEXT_FAULTS[pick(TEXT_FAULTS.length)]!, "latin1"),
        Buffer.from(chars.slice(at).join("")),
      ]);
      same("encode", bad, true);
      // A NUL in value mode is a fault of its own: leave NUL out of these.
      const w = insertInWire(wire(s.replace(/\0/g, ""), pick), WIRE_FAULTS[pick(WIRE_FAULTS.length)]!, pick);
      for (const mode of MODES.slice(1)) same(mode, w, true);
    }
  }, 600_000);

  it(`on ${count} byte soups, with the same verdict`, () => {
    const pick = random(3);
    const pieces = [
      "\\",
      '"',
      "\\u",
      "d83d",
      "de00",
      "\\ud83d",
      "\\ude00",
      "\\u0000",
      "\\n",
      "a",
      " ",
      "\n",
      "\x01",
      "\xc3\xa9",
      "\xf0\x9f\x98\x80",
      "\xff",
      "\xe2\x82",
      "\\\\",
      "\\x",
      "\\uD800",
    ];
    for (let i = 0; i < count; i++) {
      let body = "";
      for (let n = pick(14); n > 0; n--) body += pieces[pick(pieces.length)];
      same("encode", Buffer.from(body, "latin1"), false);
      const w = Buffer.from(`${pick(2) ? " " : ""}"${body}${pick(5) ? '"' : ""}${pick(4) ? "" : " x"}`, "latin1");
      for (const mode of MODES.slice(1)) same(mode, w, false);
    }
  }, 600_000);

  it("on 3 MB of text with every escape kind, both ways", () => {
    const pick = random(4);
    let s = "";
    while (s.length < 3e6) s += text(pick);
    same("encode", Buffer.from(s), true);
    same("decode", Buffer.from(wire(s, pick)), true);
  }, 300_000);

  it("refuses a wrong use as the Perl codec does (status 64), and ignores extra words as it does", () => {
    mkdirSync(dir, { recursive: true });
    for (const args of [[], ["decode"], ["decode", ""], ["bogus", "x"]]) {
      expect(spawnSync(builds[3]![0]!, args).status, args.join(" ")).toBe(64);
      expect(spawnSync("perl", [STRING_CODEC_PATH, ...args]).status, args.join(" ")).toBe(64);
    }
    for (const build of [builds[3]!, perl]) {
      const r = spawnSync(build[0]!, [...build.slice(1), "value", "extra"], { input: '"x"' });
      expect(r.stdout.toString("latin1"), build.join(" ")).toBe("ok\0x");
    }
  });

  it("names the missing quote where the input ends within an escape, and a raw control character after a backslash, as the Perl codec does", () => {
    for (const wire of [
      '"\\',
      '"\\u',
      '"\\u00',
      '"\\ud83d',
      '"\\ud83d\\ude0',
      '"\\\n"',
      '"a\\\u0001b"',
      '"\\\u00e9"',
      '"\\u1"',
    ]) {
      const input = Buffer.from(wire);
      const expected = convert(perl, "decode", input, dir);
      expect(expected.status, wire).toBe(1);
      for (const build of builds) expect(convert(build, "decode", input, dir), wire).toEqual(expected);
    }
  });
});
