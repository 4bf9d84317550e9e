/**
 * A wrong handler signature must be a `tsc` error. Runs the real compiler (`tsc --noEmit --strict`)
 * on a file of wrong handlers and on a control file of right ones. Needs the built `dist/` (the
 * fixtures import `typespec-workers/runtime`): `npm run build` first.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { OUT_DIR } from "./layout.js";

const pkgRoot = join(import.meta.dirname, "..", "..");
const dir = join(OUT_DIR, "tsc");
const tsc = join(pkgRoot, "node_modules", "typescript", "bin", "tsc");

async function typecheck(file: string): Promise<{ code: number; out: string }> {
  const name = file.replace(/\.txt$/, "");
  copyFileSync(join(import.meta.dirname, "fixtures", file), join(dir, name));
  const config = join(dir, `tsconfig.${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2023",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        types: ["node"],
        skipLibCheck: true,
      },
      files: [name],
    }),
  );
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [tsc, "-p", config, "--noEmit", "--strict", "--pretty", "false"],
      { cwd: dir },
    );
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

describe("handler types", () => {
  beforeAll(() => {
    if (!existsSync(join(pkgRoot, "dist", "src", "runtime", "sdk.d.ts"))) {
      throw new Error("dist/ is not built: run `npm run build` first");
    }
    mkdirSync(dir, { recursive: true });
  });

  it("accepts right handlers (sync and async)", async () => {
    const { code, out } = await typecheck("right-handlers.ts.txt");
    expect(out).toBe("");
    expect(code).toBe(0);
  });

  it("rejects wrong handlers, each at its own line, naming the property", async () => {
    const { code, out } = await typecheck("wrong-handlers.ts.txt");
    expect(code).not.toBe(0);
    // tsc prints one block per error: `file(line,col): error TS...` and indented detail lines.
    const blocks = out.split(/\n(?=\S)/).filter((b) => b.includes("error TS"));
    const errors = blocks.map((b) => {
      const m = /wrong-handlers\.ts\((\d+),(\d+)\)/.exec(b)!;
      return { line: Number(m[1]), col: Number(m[2]), text: b };
    });
    const source = readFileSync(join(dir, "wrong-handlers.ts"), "utf8").split("\n");
    /** The handler property the error points into: the last `name:` key before the column. */
    const propertyAt = (line: number, col: number) => {
      const keys = [...source[line - 1]!.slice(0, col - 1).matchAll(/(\w+):/g)];
      return keys.at(-1)?.[1];
    };
    const at = (line: number) => {
      const e = errors.find((x) => x.line === line);
      expect(e, `an error at line ${line}`).toBeDefined();
      return { ...e!, property: propertyAt(e!.line, e!.col) };
    };
    // Line numbers in wrong-handlers.ts.txt; each mistake is one statement.
    expect(at(12).property).toBe("verify");
    expect(at(12).text).toContain("not assignable to type 'boolean | Promise<boolean>'");
    expect(at(16).property ?? at(16).text).toMatch(/sign/);
    expect(at(16).text).toContain("Types of property 'message' are incompatible");
    expect(at(22).text).toContain("Property 'fingerprint' is missing");
    expect(at(25).text).toContain("'bogus' does not exist");
    expect(at(28).property).toBe("sign");
    expect(at(28).text).toContain("hex_signature");
    // Nothing else is wrong in the file.
    expect(errors.map((e) => e.line).sort((a, b) => a - b)).toEqual([12, 16, 22, 25, 28]);
  });
});
