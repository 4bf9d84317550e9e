/**
 * Checks a configuration against the JSON Schema the package ships (`schema/workers.schema.json`,
 * the same file editors use), and tells each problem at its place with the closest valid name.
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { didYouMean } from "../contract/closest.js";
import type { ConfigPath, ConfigSource } from "./config-source.js";
import { RESOURCE_FIELDS } from "../contract/resources.js";

/** From `src/pool` and from `dist/src/pool` alike. */
const SCHEMA_CANDIDATES = ["../../schema/workers.schema.json", "../../../schema/workers.schema.json"];

export function poolSchema(): Record<string, unknown> {
  for (const rel of SCHEMA_CANDIDATES) {
    try {
      return JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as Record<string, unknown>;
    } catch {
      // Try the next layout.
    }
  }
  throw new Error("schema/workers.schema.json is missing from the package");
}

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    const Ajv = createRequire(import.meta.url)("ajv") as {
      default: new (o: object) => { compile(s: object): ValidateFunction };
    };
    validator = new Ajv.default({ allErrors: true, strict: false, verbose: true }).compile(poolSchema());
  }
  return validator;
}

function pathOf(instancePath: string): (string | number)[] {
  return instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Fields of a Slurm request, written beside `resources` instead of in it (`launch`, `ntasks`). */
const RESOURCE_KEYS = Object.keys(RESOURCE_FIELDS);

/** Names the schema allows beside an unknown key, for the hint (`verbose` gives the schema). */
function siblingsOf(e: ErrorObject): string[] {
  return Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
}

function message(e: ErrorObject, src: ConfigSource): string {
  const path: ConfigPath = pathOf(e.instancePath);
  const last = path.at(-1);
  switch (e.keyword) {
    case "additionalProperty":
    case "additionalProperties": {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const where = path.length ? `in ${path.join(".")}` : "at the top level";
      const moved = RESOURCE_KEYS.includes(key) && siblingsOf(e).includes("resources");
      const hint = moved
        ? ` (it belongs under 'resources': resources: { ${key}: ... })`
        : didYouMean(key, siblingsOf(e));
      return `${src.at([...path, key], true)}: unknown key '${key}' ${where}${hint}`;
    }
    case "propertyNames": {
      const name = (e.params as { propertyName: string }).propertyName;
      return `${src.at([...path, name], true)}: '${name}' is not a valid name here (letters, digits and '_', not starting with a digit)`;
    }
    case "pattern":
      return ""; // Reported with its propertyNames error.
    case "enum": {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const value = String(path.reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k as string], src.value));
      return `${src.at(path)}: '${value}' is not a valid ${String(last)}: expected one of ${allowed.join(", ")}${didYouMean(value, allowed)}`;
    }
    case "required":
      return `${src.at(path)}: ${path.join(".") || "the configuration"} needs '${(e.params as { missingProperty: string }).missingProperty}'`;
    case "if":
      return ""; // The failed `then` says what is missing.
    default:
      return `${src.at(path)}: ${path.join(".") || "the configuration"} ${e.message ?? "is not valid"}`;
  }
}

/** Every schema problem, each at its place; empty when the configuration fits the schema. */
export function schemaProblems(src: ConfigSource): string[] {
  const validate = compiled();
  if (validate(src.value)) return [];
  return [...new Set((validate.errors ?? []).map((e) => message(e, src)).filter(Boolean))];
}
