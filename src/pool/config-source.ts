/**
 * A pool configuration with where each value came from: a YAML (or JSON) file read with source
 * positions, or an object given in code. Problems are told at `file:line:column`, or at the
 * value's path (`workers.sim.kind`) for an object.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { PoolConfigError } from "./pool-config-error.js";

export type ConfigPath = readonly (string | number)[];

export interface ConfigSource {
  /** The file, or `"config"` for an object given in code. */
  readonly name: string;
  /** The folder relative paths in the configuration are resolved from. */
  readonly dir: string;
  readonly value: unknown;
  /** Where the value at `path` is; `key` asks for its key instead (a misspelt key, a name). */
  at(path: ConfigPath, key?: boolean): string;
}

function dotted(path: ConfigPath): string {
  return path.length ? path.join(".") : "(top level)";
}

export function objectSource(value: unknown, dir: string): ConfigSource {
  return { name: "config", dir, value, at: (path) => `config ${dotted(path)}` };
}

/** Parses YAML (JSON is YAML); syntax errors and duplicate keys are problems at their line. */
export function yamlSource(file: string, text: string, dir: string): ConfigSource {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  const problems = doc.errors.map((e) => {
    const at = where(e.pos[0]);
    if (e.code === "DUPLICATE_KEY") {
      const key = /^["']?([^"':\s]*)/.exec(text.slice(e.pos[0]))![1];
      return `${at}: '${key}' is given twice in one map (two entries for one name; keep one)`;
    }
    return `${at}: ${e.message.split("\n")[0]}`;
  });
  if (problems.length) throw new PoolConfigError(problems);
  return {
    name: file,
    dir,
    value: doc.toJS() ?? {},
    at(path, key) {
      if (key && path.length) {
        const parent = doc.getIn(path.slice(0, -1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((i) => isScalar(i.key) && String(i.key.value) === String(path.at(-1)));
          const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
          if (range) return where(range[0]);
        }
      }
      // The deepest part of the path that exists in the file.
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node?.range) return where(node.range[0]);
      }
      return `${file}:1:1`;
    },
  };
}
