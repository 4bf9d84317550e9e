#!/usr/bin/env bash
# A new user's first hour, as the README's "Use it in your own project" section tells it: an empty
# folder, the packed tarball, system Node (20 on these machines), and nothing the README does not
# say. Usage: fresh-project.sh TARBALL DIR. Prints the graph's output last.
set -euo pipefail
tarball=$(realpath "$1")
mkdir -p "$2"
cd "$2"

# --- README: "Use it in your own project" ---
npm init -y >/dev/null
npm pkg set type=module
npm install --save-dev --no-audit --no-fund --loglevel=error --prefer-offline \
  node@24 typescript @types/node @typespec/compiler "$tarball"

cat >main.tsp <<'TSP'
import "typespec-workers";
using Workers;

/** Text tools wrapped as a worker. */
interface text_worker {
  /** Upper-case a text with `tr`. */
  @stdio("tr a-z A-Z")
  shout(text: string): string;

  /** Count the words of a text with `wc -w`. */
  @stdio("wc -w")
  count_words(text: string): int32;
}
TSP

cat >tspconfig.yaml <<'YAML'
emit:
  - typespec-workers
options:
  typespec-workers:
    emitter-output-dir: "{project-root}/workers"
YAML

cat >graph.ts <<'TS'
import { graph, run } from "typespec-workers/graph";
import { t } from "typespec-workers/runtime";
import { textWorker } from "./workers/text_worker/stubs.ts";

const { count_words, shout } = textWorker.tasks;

const g = graph({ inputs: { text: t.string }, output: { loud: t.string, words: t.int32 } });
g.output({
  loud: g.task(shout({ text: g.inputs.text })),
  words: g.task(count_words({ text: g.inputs.text })),
});

const result = await run(g, { text: "typed workers from typespec" }, { workers: "./workers" });
console.log(JSON.stringify(result.value));
TS

cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "strict": true,
    "noEmit": true,
    "target": "ES2023",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "allowImportingTsExtensions": true,
    "verbatimModuleSyntax": true,
    "types": ["node"]
  },
  "include": ["*.ts", "workers/*/stubs.ts"]
}
JSON

npx tsp compile .
npx tsc -p .
npx node graph.ts
