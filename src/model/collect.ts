/**
 * Finds the workers of a program: every interface declared in the project's own files (not in
 * libraries), with its operations as tasks.
 */
import {
  getSourceLocation,
  getTypeName,
  isTemplateDeclaration,
  isVoidType,
  navigateProgram,
  serializeValueAsJson,
  type Diagnostic,
  type DiagnosticTarget,
  type Interface,
  type Model,
  type ModelProperty,
  type Operation,
  type Program,
} from "@typespec/compiler";
import { relative } from "node:path";
import { t } from "../contract/value-type.js";
import { createDiagnostic } from "../lib.js";
import { getVarsModel, portmappingModels } from "../decorators/state.js";
import { isPortmapping } from "../decorators/portmapping.js";
import { getLaunchSpec } from "../decorators/launch.js";
import { getResources, getTimeout } from "../decorators/scheduling.js";
import { modelProperties, TypeDescriber, typeTarget } from "./describe-type.js";
import type { PortModel, TaskModel, VarModel, WorkerModel } from "./model.js";
import { docText } from "./doc-text.js";

/** Port, task and worker names are used as file names and in `input_<port>_file` variables. */
const PORTABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What a template variable may be: one word of a command line. */
const VAR_KINDS = new Set(["string", "int", "float", "bool"]);
/** Far below the 255 bytes a file name may have, leaving room for what is added (`.worker.json`, `input_..._file`). */
export const MAX_NAME_LENGTH = 128;
/** The one export name that changes what importing a module does (see `thenable-task`). */
export const THENABLE = "then";

export interface CollectedWorkers {
  readonly workers: readonly WorkerModel[];
  readonly diagnostics: readonly Diagnostic[];
}

const cache = new WeakMap<Program, Map<string, CollectedWorkers>>();

export interface CollectOptions {
  /** Libraries (package names) whose interfaces are workers too (emitter option `library-workers`). */
  readonly libraries?: readonly string[];
}

/**
 * The workers of the program and the problems found building them. Cached per program and
 * libraries: validation reports the diagnostics, the emitter reuses the workers.
 */
export function collectWorkers(program: Program, options: CollectOptions = {}): CollectedWorkers {
  const libraries = [...new Set(options.libraries ?? [])].sort();
  const key = libraries.join("\n");
  let byKey = cache.get(program);
  if (!byKey) cache.set(program, (byKey = new Map()));
  let result = byKey.get(key);
  if (!result) {
    result = new WorkerCollector(program, new Set(libraries)).collect();
    byKey.set(key, result);
  }
  return result;
}

/** The identifier of a declaration: where an editor should underline a problem with its name. */
function nameOf(type: Interface | Operation | Model): DiagnosticTarget {
  const node = type.node as { id?: DiagnosticTarget } | undefined;
  return node?.id ?? type;
}

class WorkerCollector {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly describer: TypeDescriber;

  constructor(
    private readonly program: Program,
    private readonly libraries: ReadonlySet<string>,
  ) {
    this.describer = new TypeDescriber(program, this.diagnostics);
  }

  collect(): CollectedWorkers {
    const interfaces: Interface[] = [];
    navigateProgram(
      this.program,
      { interface: (iface) => void (this.isUserWorker(iface) && interfaces.push(iface)) },
      { includeTemplateDeclaration: false },
    );
    const seen = new Map<string, Interface>();
    const folders = new Map<string, Interface>();
    const workers: WorkerModel[] = [];
    for (const iface of interfaces) {
      if (seen.has(iface.name)) {
        this.report("duplicate-worker", { name: iface.name }, nameOf(iface));
        continue;
      }
      seen.set(iface.name, iface);
      const folder = folders.get(iface.name.toLowerCase());
      if (folder) this.report("worker-case-clash", { name: iface.name, other: folder.name }, nameOf(iface));
      else folders.set(iface.name.toLowerCase(), iface);
      workers.push(this.worker(iface));
    }
    this.checkPortmappingModels();
    return { workers, diagnostics: this.diagnostics };
  }

  private isUserWorker(iface: Interface): boolean {
    if (isTemplateDeclaration(iface) || !iface.node) return false;
    const context = this.program.getSourceFileLocationContext(getSourceLocation(iface).file);
    if (context.type === "project") return true;
    return context.type === "library" && this.libraries.has(context.metadata.name);
  }

  private worker(iface: Interface): WorkerModel {
    this.checkName("Worker", iface.name, nameOf(iface));
    const tasks = [...iface.operations.values()].map((op) => this.task(op));
    const file = getSourceLocation(iface).file.path;
    const specFile = relative(this.program.projectRoot, file) || file;
    return { name: iface.name, iface, doc: docText(this.program, iface), tasks, vars: this.vars(iface), specFile };
  }

  /** The worker's template variables: scalars only, each with a value unless the run must set it. */
  private vars(iface: Interface): VarModel[] {
    const model = getVarsModel(this.program, iface);
    if (!model) return [];
    const vars: VarModel[] = [];
    for (const prop of modelProperties(model)) {
      this.checkName("Variable", prop.name, prop);
      const valueType = this.describer.describe(prop.type, typeTarget(prop));
      if (!valueType) continue;
      if (!VAR_KINDS.has(valueType.kind)) {
        this.reportVar("default", { name: prop.name, type: getTypeName(prop.type) }, typeTarget(prop));
        continue;
      }
      if (prop.optional && prop.defaultValue === undefined) {
        this.reportVar("optional", { name: prop.name }, prop);
        continue;
      }
      const doc = docText(this.program, prop);
      const value =
        prop.defaultValue === undefined ? undefined : serializeValueAsJson(this.program, prop.defaultValue, prop.type);
      vars.push({
        name: prop.name,
        valueType,
        ...(value !== undefined ? { default: value as string | number | boolean } : {}),
        ...(doc ? { doc } : {}),
        target: prop,
      });
    }
    return vars;
  }

  private reportVar(messageId: "default" | "optional", format: Record<string, string>, target: DiagnosticTarget): void {
    this.diagnostics.push(
      createDiagnostic({ code: "invalid-var", messageId, format, target } as Parameters<typeof createDiagnostic>[0]),
    );
  }

  private task(op: Operation): TaskModel {
    this.checkName("Task", op.name, nameOf(op));
    if (op.interface && op.name === op.interface.name) this.report("name-clash", { name: op.name }, nameOf(op));
    if (op.name === THENABLE) this.report("thenable-task", {}, nameOf(op));
    const inputs = [...op.parameters.properties.values()].map((p) => this.inputPort(p));
    const returnType = op.returnType;
    const portmapped = returnType.kind === "Model" && isPortmapping(this.program, returnType);
    const outputs = portmapped
      ? modelProperties(returnType as Model).map((p) => this.outputPort(p))
      : [this.valuePort(op)];
    return {
      name: op.name,
      op,
      doc: docText(this.program, op),
      inputs: inputs.filter((p): p is PortModel => p !== undefined),
      outputs: outputs.filter((p): p is PortModel => p !== undefined),
      shape: portmapped ? "ports" : "value",
      returnType,
      launch: getLaunchSpec(this.program, op),
      resources: getResources(this.program, op),
      timeout: getTimeout(this.program, op),
    };
  }

  private inputPort(prop: ModelProperty): PortModel | undefined {
    this.checkName("Port", prop.name, prop);
    const valueType = this.describer.describe(prop.type, typeTarget(prop));
    if (!valueType) return undefined;
    const port: PortModel = {
      name: prop.name,
      type: prop.type,
      valueType,
      optional: prop.optional || prop.defaultValue !== undefined,
      doc: docText(this.program, prop),
      target: prop,
    };
    if (prop.defaultValue === undefined) return port;
    return { ...port, default: serializeValueAsJson(this.program, prop.defaultValue, prop.type) };
  }

  private outputPort(prop: ModelProperty): PortModel | undefined {
    this.checkName("Port", prop.name, prop);
    const valueType = this.describer.describe(prop.type, typeTarget(prop));
    if (!valueType) return undefined;
    return {
      name: prop.name,
      type: prop.type,
      valueType,
      optional: false,
      doc: docText(this.program, prop),
      target: prop,
    };
  }

  /** The single `value` port of a task whose result is not a `@portmapping` model. */
  private valuePort(op: Operation): PortModel | undefined {
    const type = op.returnType;
    // A task run for its effect still produces a value: null, as a Python function returning None.
    const signature = op.node?.signature;
    const at = signature && "returnType" in signature ? signature.returnType : op;
    const valueType = isVoidType(type) ? t.null : this.describer.describe(type, at);
    if (!valueType) return undefined;
    return { name: "value", type, valueType, optional: false, target: op };
  }

  /** Checks every `@portmapping` model, used or not, so the author hears of problems at once. */
  private checkPortmappingModels(): void {
    for (const model of portmappingModels(this.program)) {
      const props = modelProperties(model);
      if (props.length === 0) this.report("empty-portmapping", { name: model.name }, nameOf(model));
      for (const prop of props) {
        if (prop.optional) this.report("optional-output-port", { name: prop.name }, prop);
      }
    }
  }

  private checkName(kind: string, name: string, target: DiagnosticTarget): void {
    if (name.length > MAX_NAME_LENGTH) {
      const shown = `${name.slice(0, 40)}...`;
      this.report(
        "name-too-long",
        { kind, name: shown, length: String(name.length), max: String(MAX_NAME_LENGTH) },
        target,
      );
    } else if (!PORTABLE_NAME.test(name)) this.report("invalid-name", { kind, name }, target);
  }

  private report(
    code: Parameters<typeof createDiagnostic>[0]["code"],
    format: Record<string, string>,
    target: DiagnosticTarget,
  ): void {
    this.diagnostics.push(createDiagnostic({ code, format, target } as Parameters<typeof createDiagnostic>[0]));
  }
}
