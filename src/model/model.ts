/**
 * The worker model the emitter works from: what the spec declares, with every port's type
 * resolved to a run-time value type. Built once per program by `collectWorkers`, shared by
 * validation (diagnostics in the editor) and by each output writer (stubs, launchers, manifests).
 */
import type { Interface, ModelProperty, Operation, Type } from "@typespec/compiler";
import type { OutputShape, ValueType } from "../contract/value-type.js";
import type { LaunchSpec } from "../decorators/launch.js";
import type { Resources } from "../decorators/scheduling.js";

export interface PortModel {
  readonly name: string;
  /** The TypeSpec type, for writing TypeScript type text. */
  readonly type: Type;
  /** The run-time value type, which decides how values are checked and encoded. */
  readonly valueType: ValueType;
  readonly optional: boolean;
  /** Parameter default as JSON (already in wire form, e.g. bytes as base64 are not allowed). */
  readonly default?: unknown;
  readonly doc?: string;
  /** Where to report problems with this port. */
  readonly target: ModelProperty | Type;
}

export interface TaskModel {
  readonly name: string;
  readonly op: Operation;
  readonly doc?: string;
  readonly inputs: readonly PortModel[];
  readonly outputs: readonly PortModel[];
  readonly shape: OutputShape;
  /** The declared return type (the `@portmapping` model for `ports`). */
  readonly returnType: Type;
  /** How the launcher runs the task; none in a worker without a launcher (run by its code). */
  readonly launch?: LaunchSpec;
  readonly resources?: Resources;
  /** Time limit in seconds (`@timeout`). */
  readonly timeout?: number;
}

/** A template variable of a worker (`@vars`): a scalar that command lines name as `{var.<name>}`. */
export interface VarModel {
  readonly name: string;
  readonly valueType: ValueType;
  /** The default as JSON (a string, number or boolean); absent when every run must set it. */
  readonly default?: string | number | boolean;
  readonly doc?: string;
  readonly target: ModelProperty;
}

export interface WorkerModel {
  readonly name: string;
  readonly iface: Interface;
  readonly doc?: string;
  readonly tasks: readonly TaskModel[];
  /** Template variables (`@vars`), in declaration order; empty without `@vars`. */
  readonly vars: readonly VarModel[];
  /** Spec file the interface is declared in, relative to the project root when possible. */
  readonly specFile: string;
}
