/**
 * TypeSpec types → TypeScript type text for one stubs file. Named types (models, enums, named
 * unions) become declarations of the file, collected as they are referenced so that each file
 * holds exactly the types its tasks use.
 */
import {
  isArrayModelType,
  isRecordModelType,
  isTemplateInstance,
  type Enum,
  type Model,
  type Program,
  type Scalar,
  type Type,
  type Union,
} from "@typespec/compiler";
import { SyntaxKind } from "@typespec/compiler/ast";
import { modelProperties } from "../model/describe-type.js";
import { typeIdentifier, type NameScope } from "./ts-names.js";
import { docText } from "../model/doc-text.js";

/** A named type the file must declare, in the order first referenced. */
export type NamedDeclaration =
  | {
      readonly kind: "model";
      readonly name: string;
      readonly model: Model;
      readonly params: readonly string[];
      /** Where its doc comment is: a template's instances carry it, the declaration does not. */
      readonly docSource: Model;
    }
  | { readonly kind: "enum"; readonly name: string; readonly type: Enum }
  | { readonly kind: "union"; readonly name: string; readonly type: Union };

const INT_SCALARS = new Set(["int8", "int16", "int32", "uint8", "uint16", "uint32", "safeint"]);
const BIG_SCALARS = new Set(["int64", "uint64", "integer"]);
const FLOAT_SCALARS = new Set(["float", "float32", "float64"]);

export class TsTypeWriter {
  readonly declarations: NamedDeclaration[] = [];
  private readonly names = new Map<Type, string>();

  constructor(
    private readonly program: Program,
    private readonly bigints: boolean,
    private readonly scope: NameScope,
  ) {}

  /** TypeScript type text for `type`. */
  write(type: Type): string {
    switch (type.kind) {
      case "Scalar":
        return this.scalar(type);
      case "Intrinsic":
        return type.name === "null" || type.name === "void" ? "null" : "unknown";
      case "String":
        return JSON.stringify(type.value);
      case "Number":
        return String(type.value);
      case "Boolean":
        return String(type.value);
      case "Enum":
        return this.named(type, () => ({ kind: "enum", name: this.nameFor(type), type }));
      case "EnumMember":
        return JSON.stringify(type.value ?? type.name);
      case "Union":
        if (type.name) return this.named(type, () => ({ kind: "union", name: this.nameFor(type), type }));
        return this.unionText(type);
      case "UnionVariant":
        return this.write(type.type);
      case "ModelProperty":
        return this.write(type.type);
      case "TemplateParameter":
        // A generic operation's parameter is `unknown` (its tasks' types are derived from value
        // types, which have no type parameters); a generic model's is its own parameter.
        return isOperationParameter(type) ? "unknown" : templateParameterName(type.node as { id?: { sv: string } });
      case "Model":
        return this.model(type);
      default:
        return "unknown";
    }
  }

  /**
   * Union members joined by `|`, without parentheses: every place a type is written here (a
   * property, a type argument, a union) takes a union as it is, and an array of one is written
   * `Array<A | B>`.
   */
  unionText(union: Union): string {
    return [...new Set([...union.variants.values()].map((v) => this.write(v.type)))].join(" | ");
  }

  /** Object type text `{ a: number; b?: string }` for the properties of a model. */
  objectText(model: Model): string {
    const members = modelProperties(model).map((p) => {
      const doc = docText(this.program, p);
      const comment = doc ? `/** ${doc.replace(/\*\//g, "*\\/")} */ ` : "";
      return `${comment}${propertyKey(p.name)}${p.optional ? "?" : ""}: ${this.write(p.type)}`;
    });
    return members.length === 0 ? "{}" : `{ ${members.join("; ")} }`;
  }

  private scalar(scalar: Scalar): string {
    let s: Scalar | undefined = scalar;
    while (s && !this.program.checker.isStdType(s)) s = s.baseScalar;
    const name = s?.name ?? "";
    if (INT_SCALARS.has(name) || FLOAT_SCALARS.has(name)) return "number";
    if (BIG_SCALARS.has(name)) return this.bigints ? "bigint" : "number";
    if (name === "string" || name === "url") return "string";
    if (name === "bytes") return "Uint8Array";
    if (name === "boolean") return "boolean";
    return "unknown";
  }

  private model(model: Model): string {
    const builtin = this.templateBuiltin(model);
    if (builtin) return builtin;
    if (isArrayModelType(model)) {
      const item = this.write(model.indexer.value);
      return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    if (isRecordModelType(model) || (model.indexer && model.indexer.key.name === "string")) {
      return `Record<string, ${this.write(model.indexer!.value)}>`;
    }
    if (!model.name) return this.objectText(model);
    if (isTemplateInstance(model) && model.node && model.templateMapper) {
      // `Pair<int32>` → `Pair<number>`, with one generic `interface Pair<T>` declared from the template.
      const declaration = this.program.checker.getTypeForNode(model.node) as Model;
      const name = this.named(declaration, () => ({
        kind: "model",
        name: this.nameFor(declaration),
        model: declaration,
        params: templateParameterNames(declaration),
        docSource: model,
      }));
      const args = model.templateMapper.args.map((a) =>
        "kind" in a && a.entityKind === "Type" ? this.write(a as Type) : "unknown",
      );
      return `${name}<${args.join(", ")}>`;
    }
    return this.named(model, () => ({ kind: "model", name: this.nameFor(model), model, params: [], docSource: model }));
  }

  /**
   * `T[]` and `Record<T>` inside a template declaration: TypeSpec leaves them as the `Array` and
   * `Record` templates applied to the parameter, without the indexer their instances have.
   */
  private templateBuiltin(model: Model): string | undefined {
    if (model.indexer || model.namespace?.name !== "TypeSpec" || model.namespace.namespace?.name !== "")
      return undefined;
    if (model.name !== "Array" && model.name !== "Record") return undefined;
    const arg = model.templateMapper?.args[0];
    const item = arg && "kind" in arg && arg.entityKind === "Type" ? this.write(arg as Type) : "unknown";
    if (model.name === "Record") return `Record<string, ${item}>`;
    return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
  }

  private named(type: Type, declare: () => NamedDeclaration): string {
    const known = this.names.get(type);
    if (known) return known;
    const declaration = declare();
    this.names.set(type, declaration.name);
    this.declarations.push(declaration);
    return declaration.name;
  }

  /** The type's own name, or qualified by its namespace when another type took the name. */
  private nameFor(type: Model | Enum | Union): string {
    const own = typeIdentifier(type.name ?? "Anonymous");
    if (!this.scope.has(own)) return this.scope.reserve(own);
    const ns = type.namespace?.name;
    return this.scope.reserve(ns ? typeIdentifier(`${ns}_${own}`) : own);
  }
}

function isOperationParameter(type: Type): boolean {
  return type.node?.parent?.kind === SyntaxKind.OperationStatement;
}

function templateParameterNames(model: Model): string[] {
  const node = model.node as { templateParameters?: { id: { sv: string } }[] } | undefined;
  return node?.templateParameters?.map(templateParameterName) ?? [];
}

/** A template parameter's name in the generic interface (declared and used the same way). */
function templateParameterName(node: { id?: { sv: string } } | undefined): string {
  return node?.id ? typeIdentifier(node.id.sv) : "unknown";
}

/** A property name as an object key: quoted when it is not an identifier. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}
