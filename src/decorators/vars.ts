import type { VarsDecorator } from "../../generated-defs/Workers.js";
import { reportDiagnostic } from "../lib.js";
import { repetition } from "./repeated.js";
import { setVarsModel } from "./state.js";

// The model's properties (types, defaults, names) are checked when the worker is collected, once
// every type is known; here only that the decorator is given once.
export const $vars: VarsDecorator = (context, target, variables) => {
  const r = repetition(context, target, "@vars");
  if (r.kind !== "first") {
    reportDiagnostic(context.program, {
      code: "duplicate-decorator",
      format: { decorator: "@vars", target: target.name },
      target: r.at,
    });
    return;
  }
  setVarsModel(context.program, target, variables);
};
