// A map over a list: count the words of each sentence with `wc -w` (a stdin/stdout task), in
// parallel, then add the counts with `jq add`.
import { graph, run } from "typespec-workers/graph";
import { t } from "typespec-workers/runtime";
import { textWorker } from "./workers/text_worker/stubs.ts";

const { sum, word_count } = textWorker.tasks;

const countOne = graph({ inputs: { text: t.string }, output: t.int32, name: "count-one" });
countOne.output(countOne.task(word_count({ text: countOne.inputs.text })));

const g = graph({ inputs: { sentences: t.list(t.string) }, output: { counts: t.list(t.int32), total: t.int64 } });
const counts = g.map(countOne, { text: g.each(g.inputs.sentences) });
g.output({ counts, total: g.task(sum({ values: counts })) });

const sentences = [
  "Typed workers from TypeSpec.",
  "Every value checkpointed.",
  "No glue code, no hangs, no surprises at all.",
];
const here = new URL(".", import.meta.url).pathname;
const result = await run(g, { sentences }, { root: `${here}runs`, workers: `${here}workers`, progress: true });
console.log(`words per sentence: ${result.value.counts.join(", ")}; total ${result.value.total}`);
