// A repeated decorator is reported once, at the later copy, wherever the copies are written: on the
// declaration or in an `@@` augment statement. The compiler's own `validateDecoratorUniqueOnNode`
// counts only the copies written on the declaration and reports every copy, so src/decorators
// keeps its own check (repeated.ts); these cases are the reason.
import { describe, it } from "vitest";
import { expectDiagnosticsAt } from "../support/tester.js";

describe("repeated decorators, with @@ augments", () => {
  it("a copy given by @@ after one on the declaration is reported at the @@", async () => {
    await expectDiagnosticsAt(
      "interface w { @timeout(1) f(): int32; } ┆@@timeout(w.f, 2);",
      "typespec-workers/duplicate-decorator",
    );
  });

  it("two @@ copies: only the second is reported", async () => {
    await expectDiagnosticsAt(
      `interface w { f(): int32; } @@command(w.f, "a"); ┆@@command(w.f, "b");`,
      "typespec-workers/duplicate-decorator",
    );
  });

  it("a @@ launch decorator that contradicts the declaration's is reported at the @@", async () => {
    await expectDiagnosticsAt(
      `interface w { @command("a") f(x: bytes): bytes; } ┆@@stdio(w.f);`,
      "typespec-workers/conflicting-launch",
    );
  });
});
