/**
 * The expressions generated stubs are made of (the worker's tasks, value types, enum objects),
 * as plain data. The printing thread lays them out with prettier's own layout engine; see
 * `layout.ts`. Kept to the few shapes stubs need.
 */
export type Expr =
  /** Text that never breaks: an identifier, a literal, `t.int32`. */
  | { readonly k: "text"; readonly text: string }
  | { readonly k: "call"; readonly callee: string; readonly args: readonly Expr[] }
  | { readonly k: "object"; readonly props: readonly Prop[]; readonly expanded?: boolean }
  | { readonly k: "array"; readonly items: readonly Expr[] }
  /** `<expr> as const` */
  | { readonly k: "as-const"; readonly expr: Expr };

export interface Prop {
  readonly key: string;
  /** Absent for a shorthand property (`{ genrsa }`). */
  readonly value?: Expr;
  /** A doc comment printed before the property. */
  readonly doc?: string;
}

export const text = (text: string): Expr => ({ k: "text", text });
export const str = (value: string): Expr => text(JSON.stringify(value));
export const call = (callee: string, ...args: Expr[]): Expr => ({ k: "call", callee, args });
export const array = (items: readonly Expr[]): Expr => ({ k: "array", items });
export const object = (props: readonly Prop[], expanded = false): Expr => ({ k: "object", props, expanded });
export const asConst = (expr: Expr): Expr => ({ k: "as-const", expr });

/** A JSON value as an expression. */
export function json(value: unknown): Expr {
  if (Array.isArray(value)) return array(value.map(json));
  if (value !== null && typeof value === "object") {
    return object(
      Object.entries(value).map(([key, v]) => ({
        key: key === "__proto__" ? objectKey(key) : JSON.stringify(key),
        value: json(v),
      })),
    );
  }
  return text(JSON.stringify(value));
}

/** The expression on one line: what prettier is given when the fast layout does not apply. */
export function flatText(e: Expr): string {
  switch (e.k) {
    case "text":
      return e.text;
    case "call":
      return `${e.callee}(${e.args.map(flatText).join(", ")})`;
    case "array":
      return `[${e.items.map(flatText).join(", ")}]`;
    case "as-const":
      return `${flatText(e.expr)} as const`;
    case "object": {
      if (e.props.length === 0) return "{}";
      const props = e.props.map(
        (p) => `${p.doc ? `\n${docLines(p.doc).join("\n")}\n` : ""}${p.key}${p.value ? `: ${flatText(p.value)}` : ""}`,
      );
      return `{${e.expanded ? "\n" : " "}${props.join(", ")} }`;
    }
  }
}

/**
 * A key of an object literal: quoted when it is not an identifier, and computed for `__proto__`,
 * which as a plain key would set the object's prototype instead of a property.
 */
export function objectKey(name: string): string {
  if (name === "__proto__") return '["__proto__"]';
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/** A doc comment's lines: `/** text *\/` for one line, else one ` * line` each (`*\/` escaped). */
export function docLines(doc: string): string[] {
  const lines = doc.replace(/\*\//g, "*\\/").split(/\r?\n/);
  if (lines.length === 1) return [`/** ${lines[0]} */`];
  return ["/**", ...lines.map((l) => (l ? ` * ${l}` : " *")), " */"];
}
