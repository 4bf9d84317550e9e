import { t } from "@typespec/compiler/testing";
import { describe, expect, it } from "vitest";
import * as pkg from "../../src/index.js";
import { Tester } from "../support/tester.js";

/** Another emitter reads a spec's decorators through the package's exported accessors. */
describe("decorator state accessors", () => {
  it("read what each decorator recorded", async () => {
    const { program, w, f, g, Out, V } = await Tester.compile(t.code`
      @portmapping model ${t.model("Out")} { a: int32 }
      model ${t.model("V")} { n: int32 = 1 }
      @vars(V) @timeout(9) @resources(#{ cpus: 2 }) interface ${t.interface("w")} {
        @command("tool {x}") @timeout(3) @resources(#{ memory: "1G" }) ${t.op("f")}(x: int32): Out;
        @stdio ${t.op("g")}(x: bytes): bytes;
      }`);
    expect(pkg.isPortmapping(program, Out)).toBe(true);
    expect([...pkg.portmappingModels(program)]).toEqual([Out]);
    expect(pkg.getCommandLines(program, f)).toEqual(["tool {x}"]);
    expect(pkg.getStdio(program, g)).toBeNull();
    expect(pkg.getStdio(program, f)).toBeUndefined();
    expect(pkg.getLaunchSpec(program, g)).toEqual({ kind: "stdio" });
    expect(pkg.getOwnTimeout(program, w)).toBe(9);
    expect(pkg.getTimeout(program, f)).toBe(3);
    expect(pkg.getTimeout(program, g)).toBe(9);
    expect(pkg.getResources(program, f)).toEqual({ cpus: 2, memory: "1G" });
    expect(pkg.getVarsModel(program, w)).toBe(V);
    expect(pkg.hasLauncher(program, w)).toBe(true);
    expect(pkg.isScriptWorker(program, w)).toBe(false);
  });

  it("tell a worker of scripts, and a worker without a launcher", async () => {
    const { program, scripts, code, s, c } = await Tester.compile(t.code`
      @script interface ${t.interface("scripts")} { ${t.op("s")}(): void; }
      interface ${t.interface("code")} { ${t.op("c")}(): void; }`);
    expect(pkg.isScriptWorker(program, scripts)).toBe(true);
    expect(pkg.hasLauncher(program, scripts)).toBe(true);
    expect(pkg.getLaunchSpec(program, s)).toEqual({ kind: "script", path: "s.sh" });
    expect(pkg.hasLauncher(program, code)).toBe(false);
    expect(pkg.getLaunchSpec(program, c)).toBeUndefined();
  });
});
