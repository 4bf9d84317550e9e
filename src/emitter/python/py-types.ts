/**
 * TypeSpec types → the type text of Tierkreis's Python stubs. Mirrors upstream's `GenericType`
 * (tierkreis/idl/models.py) and `format_generic_type` (tierkreis/codegen.py): a type is an origin
 * with arguments, printed `origin[arg, ...]`; an origin that is a user model or a type variable
 * is a "struct", which makes a model field's annotation quoted (a forward reference).
 *
 * Where upstream's spec parser stops (unions, literals, enums, `null` inside a union), the text is
 * what upstream's codegen writes for the same Python type (`Union[str, NoneType]`), or, where that
 * is broken upstream (`Literal`), valid Python.
 */
import {
  isArrayModelType,
  isRecordModelType,
  type Model,
  type Program,
  type Scalar,
  type TemplateParameter,
  type Type,
} from "@typespec/compiler";

export interface PyType {
  /** `int`, `list`, `Union`, `Literal["a", "b"]`, a model name or a type variable. */
  readonly origin: string;
  readonly args: readonly PyType[];
  /** The origin is a user model or a type variable (upstream's `included_structs`). */
  readonly struct: boolean;
}

/** A type that has no Python stub text, and why. */
export class PyTypeError extends Error {
  constructor(
    readonly type: Type,
    reason: string,
  ) {
    super(reason);
  }
}

const INT = new Set(["integer", "int64", "int32", "int16", "int8", "safeint", "uint64", "uint32", "uint16", "uint8"]);
const FLOAT = new Set(["float", "float32", "float64", "numeric"]);
const STR = new Set(["string", "url"]);

const plain = (origin: string, args: readonly PyType[] = []): PyType => ({
  origin,
  args,
  struct: false,
});

export function pyType(program: Program, type: Type): PyType {
  switch (type.kind) {
    case "Scalar":
      return scalar(program, type);
    case "Intrinsic":
      if (type.name === "null" || type.name === "void") return plain("NoneType");
      throw new PyTypeError(type, `'${type.name}' has no Python type`);
    case "String":
    case "Number":
    case "Boolean":
    case "EnumMember":
      return literal([literalValue(type)]);
    case "Enum":
      return literal([...type.members.values()].map(literalValue));
    case "Union": {
      const variants = [...type.variants.values()].map((v) => v.type);
      if (variants.every(isLiteral)) return literal(variants.flatMap(literalValues));
      return plain(
        "Union",
        variants.map((v) => pyType(program, v)),
      );
    }
    case "UnionVariant":
    case "ModelProperty":
      return pyType(program, type.type);
    case "TemplateParameter":
      return { origin: typeVariable(type), args: [], struct: true };
    case "Model":
      return model(program, type);
    default:
      throw new PyTypeError(type, `a ${type.kind} has no Python type`);
  }
}

/** Text of a type, `TKR[...]` around it where a graph value (not a plain field) is meant. */
export function formatPyType(type: PyType, tkr: boolean): string {
  const args = type.args.length > 0 ? `[${type.args.map((a) => formatPyType(a, false)).join(", ")}]` : "";
  const text = `${type.origin}${args}`;
  return tkr ? `TKR[${text}]` : text;
}

/** Upstream's `included_structs()` is not empty. */
export function mentionsStruct(type: PyType): boolean {
  return type.struct || type.args.some(mentionsStruct);
}

/** The name a template parameter is declared with (`T` in `model C<T>`). */
export function typeVariable(param: TemplateParameter): string {
  const name = (param.node as { id?: { sv?: string } } | undefined)?.id?.sv;
  if (!name) throw new PyTypeError(param, "a template parameter without a name has no Python type");
  return name;
}

function scalar(program: Program, type: Scalar): PyType {
  let s: Scalar | undefined = type;
  while (s && !program.checker.isStdType(s)) s = s.baseScalar;
  const name = s?.name ?? "";
  if (INT.has(name)) return plain("int");
  if (FLOAT.has(name)) return plain("float");
  if (STR.has(name)) return plain("str");
  if (name === "bytes") return plain("bytes");
  if (name === "boolean") return plain("bool");
  throw new PyTypeError(type, `scalar '${type.name}' has no Python type`);
}

function model(program: Program, type: Model): PyType {
  if (isArrayModelType(type)) return plain("list", [pyType(program, type.indexer.value)]);
  if (isRecordModelType(type)) return plain("dict", [plain("str"), pyType(program, type.indexer.value)]);
  // Inside a template (`Array<T>` in `model C<T>`), Array and Record are instances without an indexer.
  const element = stdContainerElement(program, type);
  if (element && type.name === "Array") return plain("list", [pyType(program, element)]);
  if (element && type.name === "Record") return plain("dict", [plain("str"), pyType(program, element)]);
  if (!type.name) throw new PyTypeError(type, "an anonymous model has no Python class: give it a name");
  const args = (type.templateMapper?.args ?? []).map((arg) => {
    if (arg.entityKind !== "Type")
      throw new PyTypeError(type, "a template argument that is a value has no Python type");
    return pyType(program, arg);
  });
  return { origin: type.name, args, struct: true };
}

export function stdContainerElement(program: Program, type: Model): Type | undefined {
  if (type.name !== "Array" && type.name !== "Record") return undefined;
  if (type.namespace?.name !== "TypeSpec" || type.namespace.namespace !== program.getGlobalNamespaceType())
    return undefined;
  const arg = type.templateMapper?.args[0];
  return arg?.entityKind === "Type" ? arg : undefined;
}

type LiteralType = Extract<Type, { kind: "String" | "Number" | "Boolean" | "EnumMember" }>;

function isLiteral(type: Type): type is LiteralType {
  return type.kind === "String" || type.kind === "Number" || type.kind === "Boolean" || type.kind === "EnumMember";
}

function literalValues(type: Type): (string | number | boolean)[] {
  return isLiteral(type) ? [literalValue(type)] : [];
}

function literalValue(type: LiteralType): string | number | boolean {
  if (type.kind === "EnumMember") return type.value ?? type.name;
  return type.value;
}

function literal(values: readonly (string | number | boolean)[]): PyType {
  const text = values.map((v) => (typeof v === "boolean" ? (v ? "True" : "False") : JSON.stringify(v)));
  return plain(`Literal[${text.join(", ")}]`);
}
