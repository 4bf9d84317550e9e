/**
 * The statements of a stubs file as text, laid out as ts-morph's `printStructure` lays them out
 * (a test compares the two): ts-morph loads the whole TypeScript compiler, ~0.3 s on an idle
 * machine and seconds on a busy one, to print a handful of statement shapes.
 *
 * Rules kept from ts-morph: an interface has a blank line before and after it; other statements
 * follow one another; a JSDoc of one line is `/** text *\/`, of several lines one ` * line` each.
 */
import type { JSDocStructure, OptionalKind } from "ts-morph";
import type { PlainConst, PlainInterface, StubsFile } from "./plain-structures.js";

export function printStatements(file: StubsFile, init: (c: PlainConst) => string): string {
  let out = "";
  let blankAfter = false;
  const blankLine = () => {
    if (out !== "" && !out.endsWith("\n\n")) out += out.endsWith("\n") ? "\n" : "\n\n";
  };
  for (const s of file.statements) {
    if (blankAfter) blankLine();
    blankAfter = false;
    if (typeof s === "string") {
      out += s.endsWith("\n") ? s : `${s}\n`;
      continue;
    }
    switch (s.kind) {
      case "ImportDeclaration": {
        const names = (s.namedImports as readonly (string | { name: string; alias?: string })[] | undefined) ?? [];
        const specifiers = names.map((n) => (typeof n === "string" ? n : n.alias ? `${n.name} as ${n.alias}` : n.name));
        out += `import ${s.isTypeOnly ? "type " : ""}{ ${specifiers.join(", ")} } from ${JSON.stringify(s.moduleSpecifier)};\n`;
        break;
      }
      case "TypeAlias":
        out += jsDoc(s.docs, "") + `${s.isExported ? "export " : ""}type ${s.name} = ${String(s.type)};\n`;
        break;
      case "Const":
        out += jsDoc(s.docs, "") + constText(s, init(s));
        break;
      case "Interface":
        blankLine();
        out += interfaceText(s);
        blankAfter = true;
        break;
    }
  }
  return out;
}

function constText(c: PlainConst, init: string): string {
  return `${c.exported ? "export " : ""}const ${c.name} = ${init};\n`;
}

function interfaceText(s: PlainInterface): string {
  const params = s.typeParameters?.length
    ? `<${s.typeParameters.map((p) => (typeof p === "string" ? p : p.name)).join(", ")}>`
    : "";
  const bases = s.extends;
  const extendsText = Array.isArray(bases) && bases.length > 0 ? ` extends ${bases.join(", ")}` : "";
  const members = (s.properties ?? [])
    .map((p) => jsDoc(p.docs, "  ") + `  ${p.name}${p.hasQuestionToken ? "?" : ""}: ${String(p.type)};\n`)
    .join("");
  return (
    jsDoc(s.docs, "") + `${s.isExported ? "export " : ""}interface ${s.name}${params}${extendsText} {\n${members}}\n`
  );
}

function jsDoc(docs: readonly (OptionalKind<JSDocStructure> | string)[] | undefined, indent: string): string {
  return (docs ?? [])
    .map((d) => {
      const description = typeof d === "string" ? d : String(d.description ?? "");
      const lines = description.split(/\r?\n/);
      if (lines.length === 1) return lines[0] ? `${indent}/** ${lines[0]} */\n` : `${indent}/** */\n`;
      return `${indent}/**\n${lines.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)).join("\n")}\n${indent} */\n`;
    })
    .join("");
}
