/**
 * Writes `<worker>/stubs.py` in the Tierkreis format, so that a Python graph author can call the
 * worker from upstream's graph builder. The text is what upstream's codegen
 * (tierkreis/namespace.py `stubs()`, tierkreis/codegen.py) writes for the same spec after its
 * `ruff format` and `ruff check --fix` step: models sorted by name, each model's fields sorted as
 * lines, task arguments in their order, unused imports dropped.
 *
 * As upstream's spec reader does, every model declared beside the interface is written, used or
 * not; models declared elsewhere are written when a task reaches them.
 */
import {
  getSourceLocation,
  isArrayModelType,
  isRecordModelType,
  type Diagnostic,
  type DiagnosticTarget,
  type Interface,
  type Model,
  type Operation,
  type Program,
  type Type,
} from "@typespec/compiler";
import { isPortmapping } from "../decorators/portmapping.js";
import { modelProperties } from "../model/describe-type.js";
import { classHeader } from "./python/class-header.js";
import {
  formatPyType,
  mentionsStruct,
  pyType,
  PyTypeError,
  stdContainerElement,
  type PyType,
} from "./python/py-types.js";

export interface PythonStubs {
  /** The file, when every type has a Python form. */
  readonly text?: string;
  readonly diagnostics: readonly Diagnostic[];
}

const NO_QA = "  # noqa: F821 # fmt: skip";

/** Python keywords: not usable as a field name. */
const KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for from " +
    "global if import in is lambda nonlocal not or pass raise return try while with yield"
  ).split(" "),
);

/** Upstream's import block: ruff drops the names a file does not use, and a line left empty. */
const IMPORTS: readonly (readonly [string, readonly string[]])[] = [
  ["from typing import", ["Literal", "NamedTuple", "Sequence", "TypeVar", "Generic", "Protocol", "Union"]],
  ["from types import", ["NoneType"]],
  ["from tierkreis.controller.data.models import", ["TKR", "OpaqueType"]],
  ["from tierkreis.controller.data.types import", ["PType", "Struct"]],
];

export function pythonStubs(program: Program, iface: Interface): PythonStubs {
  return new PythonStubsWriter(program, iface).render();
}

interface ModelDecl {
  readonly name: string;
  readonly model: Model;
  readonly typeParams: readonly string[];
  readonly portmapping: boolean;
}

class PythonStubsWriter {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly used = new Set<string>();
  private readonly models = new Map<string, ModelDecl>();

  constructor(
    private readonly program: Program,
    private readonly iface: Interface,
  ) {}

  render(): PythonStubs {
    const operations = [...this.iface.operations.values()];
    for (const model of this.iface.namespace?.models.values() ?? []) {
      if (this.isProjectDeclaration(model)) this.addModel(model);
    }
    for (const op of operations) {
      for (const prop of op.parameters.properties.values()) this.reach(prop.type);
      this.reach(op.returnType);
    }
    const models = [...this.models.values()].sort((a, b) => compareCodePoints(a.name, b.name));
    const blocks = [...models.map((m) => this.modelClass(m)), ...operations.map((op) => this.taskClass(op))];
    this.checkClassNames(models, operations);
    if (this.diagnostics.length > 0) return { diagnostics: this.diagnostics };

    const header = `"""Code generated from ${this.iface.name} namespace. Please do not edit."""`;
    const imports = IMPORTS.flatMap(([from, names]) => {
      const kept = names.filter((n) => this.used.has(n));
      return kept.length > 0 ? [`${from} ${kept.join(", ")}`] : [];
    });
    return {
      text: `${header}\n\n${imports.join("\n")}\n\n\n${blocks.join("\n\n\n")}\n`,
      diagnostics: [],
    };
  }

  private modelClass(decl: ModelDecl): string {
    const bases = decl.portmapping ? ["NamedTuple"] : ["Struct", "Protocol"];
    bases.forEach((b) => this.used.add(b));
    if (decl.typeParams.length > 0) this.used.add("PType");
    const lines = modelProperties(decl.model).map((prop) => {
      const type = this.typeOf(prop.type, prop);
      if (decl.portmapping) {
        this.checkFieldName(prop.name, prop, `@portmapping model '${decl.name}'`);
        return this.fieldLine(prop.name, this.tkr(type), prop.optional);
      }
      this.checkFieldName(prop.name, prop);
      // An optional field is `T | None`, quoted whole: `"B" | None` would fail when the class is made.
      const text = prop.optional ? `${formatPyType(type, false)} | None` : formatPyType(type, false);
      const annotation = mentionsStruct(type) ? `"${text}"` : text;
      return `${prop.name}: ${annotation}${prop.optional ? " = None" : ""}${NO_QA}`;
    });
    lines.sort(compareCodePoints);
    // Upstream writes an empty class body, which is not Python; `pass` keeps the file importable.
    const body = lines.length > 0 ? lines : ["pass"];
    return `${classHeader(decl.name, decl.typeParams, bases)}\n${body.map((l) => `    ${l}`).join("\n")}`;
  }

  private taskClass(op: Operation): string {
    this.used.add("NamedTuple");
    const typeParams = templateParams(op.node);
    if (typeParams.length > 0) this.used.add("PType");
    const args = [...op.parameters.properties.values()].map((prop) => {
      this.checkFieldName(prop.name, prop, `task '${op.name}'`);
      const optional = prop.optional || prop.defaultValue !== undefined;
      return `    ${this.fieldLine(prop.name, this.tkr(this.typeOf(prop.type, prop)), optional)}\n`;
    });
    const returnType = this.typeOf(op.returnType, op);
    const out = this.returnsPortmapping(op) ? formatPyType(returnType, false) : this.tkr(returnType);
    return (
      `${classHeader(op.name, typeParams, ["NamedTuple"])}\n` +
      (args.length > 0 ? `${args.join("")}\n` : "") +
      `    @staticmethod\n` +
      `    def out() -> type[${out}]:${NO_QA}\n` +
      `        return ${out}${NO_QA}\n\n` +
      `    @property\n` +
      `    def namespace(self) -> str:\n` +
      `        return "${this.iface.name}"`
    );
  }

  /** `name: type` with upstream's marker; a port that may be left out defaults to None, as upstream writes it. */
  private fieldLine(name: string, type: string, optional: boolean): string {
    return `${name}: ${type}${optional ? " | None = None" : ""}${NO_QA}`;
  }

  private tkr(type: PyType): string {
    this.used.add("TKR");
    return formatPyType(type, true);
  }

  private typeOf(type: Type, target: DiagnosticTarget): PyType {
    try {
      const result = pyType(this.program, type);
      this.noteNames(result);
      return result;
    } catch (error) {
      if (!(error instanceof PyTypeError)) throw error;
      this.report(`Python stubs: ${error.message}.`, target);
      return { origin: "object", args: [], struct: false };
    }
  }

  private noteNames(type: PyType): void {
    const name = /^[A-Za-z]+/.exec(type.origin)?.[0];
    if (name === "Union" || name === "Literal" || name === "NoneType") this.used.add(name);
    type.args.forEach((a) => this.noteNames(a));
  }

  private returnsPortmapping(op: Operation): boolean {
    const type = op.returnType;
    if (type.kind !== "Model") return false;
    // Upstream matches the return type to a declared model by name.
    return isPortmapping(this.program, type) || this.models.get(type.name)?.portmapping === true;
  }

  /** Adds the model declarations that `type` mentions, and theirs in turn. */
  private reach(type: Type, seen = new Set<Type>()): void {
    if (seen.has(type)) return;
    seen.add(type);
    switch (type.kind) {
      case "Model":
        if (isArrayModelType(type) || isRecordModelType(type)) return this.reach(type.indexer!.value, seen);
        if (stdContainerElement(this.program, type)) return this.reach(stdContainerElement(this.program, type)!, seen);
        for (const arg of type.templateMapper?.args ?? []) if (arg.entityKind === "Type") this.reach(arg, seen);
        if (!type.name) return;
        this.addModel(this.declarationOf(type));
        for (const prop of modelProperties(type)) this.reach(prop.type, seen);
        return;
      case "Union":
        for (const v of type.variants.values()) this.reach(v.type, seen);
        return;
      case "UnionVariant":
      case "ModelProperty":
        return this.reach(type.type, seen);
      default:
        return;
    }
  }

  private addModel(model: Model): void {
    const known = this.models.get(model.name);
    if (known) {
      if (known.model !== model) this.report(`Python stubs: two models are named '${model.name}'.`, model);
      return;
    }
    this.models.set(model.name, {
      name: model.name,
      model,
      typeParams: templateParams(model.node),
      portmapping: isPortmappingDeclaration(this.program, model),
    });
  }

  /** `C<int32>` is written as the class `C[T]` it instantiates. */
  private declarationOf(model: Model): Model {
    if (!model.templateMapper || !model.node) return model;
    const declaration = this.program.checker.getTypeForNode(model.node);
    return declaration.kind === "Model" ? declaration : model;
  }

  private isProjectDeclaration(model: Model): boolean {
    if (!model.node || isArrayModelType(model) || isRecordModelType(model)) return false;
    const file = getSourceLocation(model).file;
    return this.program.getSourceFileLocationContext(file).type === "project";
  }

  /** Python refuses these at import time: a keyword, or a NamedTuple field with a leading `_` or named like its methods. */
  private checkFieldName(name: string, target: DiagnosticTarget, namedTupleOf?: string): void {
    if (KEYWORDS.has(name)) this.report(`Python stubs: '${name}' is a Python keyword and cannot name a field.`, target);
    if (!namedTupleOf) return;
    if (name.startsWith("_") || name === "out" || name === "namespace") {
      this.report(`Python stubs: '${name}' cannot name a port of ${namedTupleOf} (a NamedTuple field).`, target);
    }
  }

  private checkClassNames(models: readonly ModelDecl[], operations: readonly Operation[]): void {
    for (const op of operations) {
      if (this.models.has(op.name)) this.report(`Python stubs: task '${op.name}' and a model share a name.`, op);
    }
    for (const name of [...models.map((m) => m.name), ...operations.map((o) => o.name)]) {
      if (KEYWORDS.has(name))
        this.report(`Python stubs: '${name}' is a Python keyword and cannot name a class.`, this.iface);
    }
  }

  private report(message: string, target: DiagnosticTarget): void {
    this.diagnostics.push({
      code: "typespec-workers/python-stubs",
      severity: "error",
      message,
      target,
    });
  }
}

/** A template declaration is never decorated (its instances are), but it lists its decorators. */
function isPortmappingDeclaration(program: Program, model: Model): boolean {
  return (
    isPortmapping(program, model) ||
    model.decorators.some((d) => d.definition?.name === "@portmapping" && d.definition.namespace.name === "Workers")
  );
}

/** Names of a declaration's template parameters (`T` in `model C<T>`, `z<T>(...)`). */
function templateParams(node: unknown): string[] {
  const params = (node as { templateParameters?: readonly { id: { sv: string } }[] } | undefined)?.templateParameters;
  return (params ?? []).map((p) => p.id.sv);
}

/** Python compares strings by code point; JavaScript's `<` by UTF-16 unit. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
