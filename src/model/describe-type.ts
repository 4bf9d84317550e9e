/**
 * TypeSpec type → run-time value type. This is where "full TypeSpec, not a fragment" is
 * decided: every type either gets a faithful wire encoding or an `unsupported-type` diagnostic
 * at the place it is used.
 */
import {
  isArrayModelType,
  isRecordModelType,
  isTemplateDeclaration,
  type Diagnostic,
  type DiagnosticTarget,
  type Model,
  type ModelProperty,
  type Program,
  type Scalar,
  type Type,
  getTypeName,
} from "@typespec/compiler";
import { t, type StructField, type ValueType } from "../contract/value-type.js";
import { createDiagnostic } from "../lib.js";

const STD_SCALARS: Readonly<Record<string, ValueType>> = {
  int8: t.int8,
  int16: t.int16,
  int32: t.int32,
  int64: t.int64,
  uint8: t.uint8,
  uint16: t.uint16,
  uint32: t.uint32,
  uint64: t.uint64,
  safeint: t.safeint,
  integer: t.integer,
  float32: t.float32,
  float64: t.float64,
  float: t.float,
  string: t.string,
  url: t.url,
  bytes: t.bytes,
  boolean: t.boolean,
};

/** Why the standard scalars without a faithful encoding are refused (shown in the diagnostic). */
const UNSUPPORTED_SCALARS: Readonly<Record<string, string>> = {
  numeric: "it may hold decimal fractions that a binary float would round; use integer or float64",
  decimal: "a decimal would be rounded to a binary float; pass it as string, or use float64",
  decimal128: "a decimal would be rounded to a binary float; pass it as string, or use float64",
  utcDateTime: "dates and times have no wire type; pass an ISO 8601 string or a number of seconds",
  offsetDateTime: "dates and times have no wire type; pass an ISO 8601 string",
  plainDate: "dates have no wire type; pass an ISO 8601 string",
  plainTime: "times have no wire type; pass an ISO 8601 string",
  duration: "durations have no wire type; pass a number of seconds or an ISO 8601 string",
};

/** Where a property's type is written (`x: decimal` → `decimal`), the place to point at. */
export function typeTarget(prop: ModelProperty): DiagnosticTarget {
  return prop.node && "value" in prop.node ? prop.node.value : prop;
}

/** Properties of a model with those of its base models first: the order values are written in. */
export function modelProperties(model: Model): ModelProperty[] {
  const chain: Model[] = [];
  for (let m: Model | undefined = model; m; m = m.baseModel) chain.unshift(m);
  return chain.flatMap((m) => [...m.properties.values()]);
}

/**
 * How deeply types may nest. Every writer of a type (value types, TypeScript text, prettier, the
 * run-time codec) recurses through it; 2,000 nested lists overflowed the printer's stack.
 */
export const MAX_TYPE_DEPTH = 64;

/** The model each struct value type was made from, for writers that name its TypeScript type. */
const structModels = new WeakMap<ValueType, Model>();

export function structModel(struct: ValueType): Model | undefined {
  return structModels.get(struct);
}

export class TypeDescriber {
  /** The models and unions being described: one reached again inside itself is recursive. */
  private readonly stack = new Set<Type>();
  private depth = 0;
  /** One value type object per model, so writers can declare it once and refer to it. */
  private readonly models = new Map<Model, ValueType | undefined>();
  /** Diagnostics are reported once per place, however many tasks reach that place. */
  private readonly reported = new Set<DiagnosticTarget>();

  constructor(
    private readonly program: Program,
    private readonly diagnostics: Diagnostic[],
  ) {}

  /** The value type of `type` used at `target`, or undefined after reporting why it has none. */
  describe(type: Type, target: DiagnosticTarget): ValueType | undefined {
    if (this.depth >= MAX_TYPE_DEPTH) {
      return this.report(target, "type-too-deep", { type: shortTypeName(type), max: String(MAX_TYPE_DEPTH) });
    }
    this.depth++;
    try {
      return this.describeType(type, target);
    } finally {
      this.depth--;
    }
  }

  private describeType(type: Type, target: DiagnosticTarget): ValueType | undefined {
    if (type.kind !== "Intrinsic" && "name" in type && type.name === "null" && type.kind !== "ModelProperty") {
      // TypeSpec's `null` is a name, not a keyword: a spec's own `null` takes its place in the namespace.
      if (!VALUE_KINDS.has(type.kind)) return this.unsupported(type, target, shadowReason(type.kind));
      this.warnShadowed(type, target);
    }
    switch (type.kind) {
      case "Scalar":
        return this.scalar(type, target);
      case "Intrinsic":
        if (type.name === "null") return t.null;
        return this.unsupported(type, target, this.intrinsicReason(type.name));
      case "Boolean":
      case "String":
      case "Number":
        return t.literal([type.value]);
      case "Enum": {
        const values = [...type.members.values()].map((m) => m.value ?? m.name);
        if (values.length === 0) return this.unsupported(type, target, ": an enum without members has no value");
        return t.literal(values, type.name);
      }
      case "EnumMember":
        return t.literal([type.value ?? type.name]);
      case "Union": {
        if (type.variants.size === 0) return this.unsupported(type, target, ": a union without variants has no value");
        if (this.stack.has(type)) return this.unsupported(type, target, ": recursive unions are not supported yet");
        this.stack.add(type);
        try {
          return this.union(
            [...type.variants.values()].map((v) => v.type),
            type.name,
            target,
          );
        } finally {
          this.stack.delete(type);
        }
      }
      case "UnionVariant":
        return this.describe(type.type, target);
      case "Model":
        return this.model(type, target);
      case "ModelProperty":
        return this.describe(type.type, target);
      case "Tuple":
        return this.unsupported(type, target, ": use a list (T[]) or a model with named properties");
      case "TemplateParameter":
        // Only a generic operation (`z<T>(c: C<T>)`, as upstream's IDL allows) reaches one: its
        // values are taken as they come, encoded and decoded untyped as upstream does.
        return t.any;
      default:
        return this.unsupported(type, target, VALUE_KINDS.has(type.kind) ? "" : notAValue(type.kind));
    }
  }

  private warnShadowed(type: Type, target: DiagnosticTarget): void {
    if (this.reported.has(target)) return;
    this.reported.add(target);
    const kind = KIND_NAMES[type.kind] ?? type.kind.toLowerCase();
    this.diagnostics.push(
      createDiagnostic({ code: "null-shadowed", format: { kind, type: getTypeName(type) }, target } as Parameters<
        typeof createDiagnostic
      >[0]),
    );
  }

  private scalar(scalar: Scalar, target: DiagnosticTarget): ValueType | undefined {
    let s: Scalar | undefined = scalar;
    while (s && !this.program.checker.isStdType(s)) s = s.baseScalar;
    if (!s) return this.unsupported(scalar, target, ": a scalar must extend a standard scalar");
    const desc = STD_SCALARS[s.name];
    if (desc) return desc;
    const reason = UNSUPPORTED_SCALARS[s.name];
    return this.unsupported(scalar, target, reason ? `: ${reason}` : "");
  }

  private intrinsicReason(name: string): string {
    switch (name) {
      case "unknown":
        return ": a value of unknown type cannot be decoded by its type; declare its type";
      case "void":
        return ": void is allowed only as a task's result";
      case "never":
        return ": no value has type never";
      default:
        return "";
    }
  }

  private union(types: Type[], name: string | undefined, target: DiagnosticTarget): ValueType | undefined {
    const described: ValueType[] = [];
    for (const variant of types) {
      const d = this.describe(variant, target);
      if (!d) return undefined;
      described.push(d);
    }
    // A union of literals (`"a" | "b"`) is one literal type: simpler to decode and to show.
    if (described.every((d) => d.kind === "literal")) {
      return t.literal(
        described.flatMap((d) => (d.kind === "literal" ? d.values : [])),
        name,
      );
    }
    return t.union(described, name);
  }

  private model(model: Model, target: DiagnosticTarget): ValueType | undefined {
    if (isArrayModelType(model)) {
      const of = this.describe(model.indexer.value, target);
      return of && t.list(of);
    }
    const props = modelProperties(model);
    if (isRecordModelType(model) || (model.indexer && model.indexer.key.name === "string")) {
      if (props.length > 0) {
        return this.unsupported(
          model,
          target,
          ": a model with both fixed properties and additional properties has no wire encoding; use a Record<T> property",
        );
      }
      const of = this.describe(model.indexer!.value, target);
      return of && t.record(of);
    }
    if (isTemplateDeclaration(model)) {
      return this.unsupported(model, target, ": a template must be instantiated");
    }
    if (this.models.has(model)) return this.models.get(model);
    if (this.stack.has(model)) {
      return this.unsupported(model, target, ": recursive models are not supported yet");
    }
    this.stack.add(model);
    try {
      const fields: StructField[] = [];
      for (const prop of props) {
        const type = this.describe(prop.type, typeTarget(prop));
        if (!type) return undefined;
        fields.push(t.field(prop.name, type, prop.optional));
      }
      const struct = t.struct(model.name || "anonymous", fields);
      this.models.set(model, struct);
      structModels.set(struct, model);
      return struct;
    } finally {
      this.stack.delete(model);
    }
  }

  private unsupported(type: Type, target: DiagnosticTarget, reason: string): undefined {
    return this.report(target, "unsupported-type", { type: getTypeName(type), reason });
  }

  private report(
    target: DiagnosticTarget,
    code: "unsupported-type" | "type-too-deep",
    format: Record<string, string>,
  ): undefined {
    if (!this.reported.has(target)) {
      this.reported.add(target);
      this.diagnostics.push(createDiagnostic({ code, format, target } as Parameters<typeof createDiagnostic>[0]));
    }
    return undefined;
  }
}

/** Kinds of type that can be a value's type; the others (interfaces, operations, ...) only by mistake. */
const VALUE_KINDS = new Set<string>([
  "Scalar",
  "Intrinsic",
  "Boolean",
  "String",
  "Number",
  "Enum",
  "EnumMember",
  "Union",
  "UnionVariant",
  "Model",
  "ModelProperty",
  "Tuple",
  "TemplateParameter",
]);

const KIND_NAMES: Readonly<Record<string, string>> = {
  Interface: "an interface",
  Operation: "an operation",
  Namespace: "a namespace",
  Decorator: "a decorator",
  FunctionType: "a function",
  Model: "the model",
  Scalar: "the scalar",
  Enum: "the enum",
  Union: "the union",
};

function notAValue(kind: string): string {
  return `: it is ${KIND_NAMES[kind] ?? kind.toLowerCase()}, not a type of values`;
}

function shadowReason(kind: string): string {
  return `${notAValue(kind)}. A declaration named 'null' hides TypeSpec's null in its namespace: rename it, or write 'TypeSpec.null' for the null type`;
}

/** A type's name for a message, cut short (the name of a deeply nested type is as long as it is deep). */
function shortTypeName(type: Type): string {
  if (type.kind === "Model" && type.indexer) return type.name;
  const name = getTypeName(type);
  return name.length > 80 ? `${name.slice(0, 77)}...` : name;
}
