/**
 * Template variables a pool entry sets (`vars`), checked against those the worker declares
 * (`@vars` in the spec, listed in the `worker.json` the emitter writes beside the launcher):
 * a name the worker does not declare, a value of the wrong type, or a variable without a default
 * that nothing sets is an error at its place, before anything runs. A worker without a
 * `worker.json` (a hand-written launcher, a Python or TypeScript worker) declares nothing to check
 * against: its entry's `vars` reach the program as `var_<name>`, as given.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ValueType } from "../contract/value-type.js";
import { didYouMean } from "../contract/closest.js";
import type { ConfigPath, ConfigSource } from "./config-source.js";
import type { WorkerEntry } from "./config.js";

type VarValue = string | number | boolean;

/** A variable as `worker.json` lists it. */
interface DeclaredVar {
  readonly name: string;
  readonly type: ValueType;
  readonly default?: VarValue;
}

export interface VarEntry {
  readonly name: string;
  readonly path: ConfigPath;
  readonly entry: WorkerEntry;
  /** Variables given on the command line (`--var worker.name=value`), as written there. */
  readonly cli?: Readonly<Record<string, string>>;
}

/** Where a variable of an entry was given: the command line's flag, else the file's place. */
function placeOf(src: ConfigSource, e: VarEntry, key: string, asKey: boolean): string {
  const raw = e.cli?.[key];
  return raw !== undefined ? `--var ${e.name}.${key}=${raw}` : src.at([...e.path, "vars", key], asKey);
}

/**
 * The entries with the command line's variables (`--var worker.name=value`, by worker) over the
 * file's: a worker without an entry of its own gets a copy of the default entry. Text is read as
 * the type the worker declares (`8` as an integer), so the same checks apply as to the file.
 */
export function withCommandLineVars<E extends VarEntry>(
  entries: readonly E[],
  given: Readonly<Record<string, Readonly<Record<string, string>>>>,
  dirs: readonly string[],
): VarEntry[] {
  const out: VarEntry[] = [...entries];
  for (const [worker, raw] of Object.entries(given)) {
    const declared = worker === "default" ? undefined : declaredVars(worker, dirs);
    const typed: Record<string, VarValue> = {};
    for (const [key, text] of Object.entries(raw))
      typed[key] = fromText(
        text,
        declared?.find((v) => v.name === key),
      );
    const i = out.findIndex((e) => e.name === worker);
    const base = i >= 0 ? out[i]! : out.find((e) => e.name === "default");
    // A copy of the default entry keeps those of its variables this worker declares.
    const inherited = Object.entries(base?.entry.vars ?? {}).filter(
      ([k]) => i >= 0 || !declared || declared.some((v) => v.name === k),
    );
    const entry: VarEntry = {
      name: worker,
      path: i >= 0 ? base!.path : worker === "default" ? ["default"] : ["workers", worker],
      entry: { ...(base?.entry ?? { kind: "auto" }), vars: { ...Object.fromEntries(inherited), ...typed } },
      cli: { ...(i >= 0 ? out[i]!.cli : {}), ...raw },
    };
    if (i >= 0) out[i] = entry;
    else out.push(entry);
  }
  return out;
}

/** Command-line variables for a worker the graph does not use, or whose entry `-e` replaces. */
export function commandLineVarProblems(
  given: Readonly<Record<string, Readonly<Record<string, string>>>>,
  used: readonly string[] | undefined,
  overridden: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const [worker, raw] of Object.entries(given)) {
    const at = Object.entries(raw)
      .map(([k, v]) => `--var ${worker}.${k}=${v}`)
      .join(", ");
    if (worker !== "default" && used && !used.includes(worker)) {
      problems.push(`${at}: worker '${worker}' is not a worker of the graph${didYouMean(worker, used)}`);
    } else if (overridden.includes(worker)) {
      problems.push(
        `${at}: -e ${worker}=... replaces the pool's entry for '${worker}', and its variables with it; give one of the two`,
      );
    }
  }
  return problems;
}

/** Command-line text as the declared type reads it; left as text where it does not fit (then reported). */
function fromText(text: string, v: DeclaredVar | undefined): VarValue {
  switch (v?.type.kind) {
    case "int":
      return /^[+-]?\d+$/.test(text) ? Number(text) : text;
    case "float":
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : text;
    case "bool":
      return text === "true" ? true : text === "false" ? false : text;
    default:
      return text;
  }
}

/**
 * Problems with the `vars` of `entries`: a named entry against its worker's declarations, the
 * `default` entry against those of the workers of the graph (`used`) that fall back to it.
 */
export function varProblems(
  src: ConfigSource,
  entries: readonly VarEntry[],
  used: readonly string[] | undefined,
  dirs: readonly string[],
  overridden: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const fallback = overridden.includes("default") ? undefined : entries.find((e) => e.name === "default");
  for (const e of entries) {
    if (e.name === "default" || overridden.includes(e.name)) continue;
    const declared = declaredVars(e.name, dirs);
    if (declared) problems.push(...entryProblems(src, e, e.name, declared));
  }
  // The default entry serves every worker of the graph without an entry of its own.
  const onDefault = overridden.includes("default")
    ? []
    : (used ?? []).filter((w) => !entries.some((e) => e.name === w) && !overridden.includes(w));
  const declaredByDefaulted = new Map<string, DeclaredVar[]>();
  for (const w of onDefault) {
    const declared = declaredVars(w, dirs);
    if (declared) declaredByDefaulted.set(w, declared);
  }
  if (fallback?.entry.vars && declaredByDefaulted.size > 0) {
    const all = [...declaredByDefaulted.values()].flat();
    for (const [key, value] of Object.entries(fallback.entry.vars)) {
      const declaring = [...declaredByDefaulted].filter(([, vars]) => vars.some((v) => v.name === key));
      if (declaring.length === 0) {
        problems.push(
          `${placeOf(src, fallback, key, true)}: default: no worker it serves declares a template variable '${key}'${didYouMean(key, unique(all))} (${declaredList(all)})`,
        );
        continue;
      }
      for (const [w, vars] of declaring) {
        const why = typeProblem(
          vars.find((v) => v.name === key)!,
          value,
        );
        if (why) problems.push(`${placeOf(src, fallback, key, false)}: default: for worker '${w}', ${why}`);
      }
    }
  }
  // A variable without a default must be set by the entry that runs its worker.
  for (const [w, declared] of declaredByDefaulted) {
    for (const v of declared) {
      if (v.default === undefined && fallback?.entry.vars?.[v.name] === undefined) {
        problems.push(
          `${fallback ? src.at([...fallback.path, "kind"]) : src.name}: worker '${w}' needs template variable '${v.name}' (the spec gives it no default): set it under 'vars' of an entry for '${w}', or with --var ${w}.${v.name}=...`,
        );
      }
    }
  }
  return problems;
}

function entryProblems(src: ConfigSource, e: VarEntry, worker: string, declared: readonly DeclaredVar[]): string[] {
  const problems: string[] = [];
  const vars = e.entry.vars ?? {};
  for (const [key, value] of Object.entries(vars)) {
    const v = declared.find((d) => d.name === key);
    if (!v) {
      problems.push(
        `${placeOf(src, e, key, true)}: ${worker}: '${key}' is not a template variable of worker '${worker}'${didYouMean(key, unique(declared))} (${declaredList(declared)})`,
      );
      continue;
    }
    const why = typeProblem(v, value);
    if (why) problems.push(`${placeOf(src, e, key, false)}: ${worker}: ${why}`);
  }
  for (const v of declared) {
    if (v.default === undefined && vars[v.name] === undefined) {
      problems.push(
        `${src.at([...e.path, e.entry.vars ? "vars" : "kind"])}: ${worker}: template variable '${v.name}' has no default in the spec: set it under 'vars', or with --var ${worker}.${v.name}=...`,
      );
    }
  }
  return problems;
}

/** Why `value` cannot be variable `v`'s value, or undefined. */
function typeProblem(v: DeclaredVar, value: VarValue): string | undefined {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  const type = v.type;
  switch (type.kind) {
    case "int": {
      if (typeof value !== "number" || !Number.isSafeInteger(value))
        return `template variable '${v.name}' is an integer (${type.scalar}), not ${shown}`;
      const n = BigInt(value);
      if ((type.min !== undefined && n < BigInt(type.min)) || (type.max !== undefined && n > BigInt(type.max)))
        return `template variable '${v.name}' is an ${type.scalar}: ${shown} is out of its range ${type.min}..${type.max}`;
      return undefined;
    }
    case "float":
      return typeof value === "number" && Number.isFinite(value)
        ? undefined
        : `template variable '${v.name}' is a finite number (${type.scalar}), not ${shown}`;
    case "bool":
      return typeof value === "boolean" ? undefined : `template variable '${v.name}' is true or false, not ${shown}`;
    case "string":
      // YAML reads `1.10` as the number 1.1: a string variable takes only a string, written in quotes.
      return typeof value === "string"
        ? undefined
        : `template variable '${v.name}' is a string: write ${shown} in quotes ("${String(value)}") so it is passed as written`;
    default:
      return undefined;
  }
}

/** The variables `<dir>/<worker>/worker.json` lists, from the first worker folder that has one; else undefined. */
function declaredVars(worker: string, dirs: readonly string[]): DeclaredVar[] | undefined {
  for (const dir of dirs) {
    let text: string;
    try {
      text = readFileSync(join(dir, worker, "worker.json"), "utf8");
    } catch {
      continue;
    }
    try {
      const descriptor = JSON.parse(text) as { vars?: DeclaredVar[] };
      return Array.isArray(descriptor.vars) ? descriptor.vars : [];
    } catch {
      return undefined; // Not ours to judge here: the executors read it too and say so.
    }
  }
  return undefined;
}

function unique(vars: readonly DeclaredVar[]): string[] {
  return [...new Set(vars.map((v) => v.name))];
}

function declaredList(vars: readonly DeclaredVar[]): string {
  const names = unique(vars);
  return names.length ? `declared: ${names.join(", ")}` : "it declares none (@vars)";
}
