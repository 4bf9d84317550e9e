// The example graph: shout each sentence and count its words in parallel, then add the counts.
// Run it with `npm start` (compiles the spec, then runs this file).
import { graph, run } from "typespec-workers/graph";
import { t } from "typespec-workers/runtime";
import { textWorker } from "./workers/text_worker/stubs.ts";

const { count_words, shout, sum } = textWorker.tasks;

const one = graph({ inputs: { text: t.string }, output: { loud: t.string, words: t.int32 } });
one.output({
  loud: one.task(shout({ text: one.inputs.text })),
  words: one.task(count_words({ text: one.inputs.text })),
});

const g = graph({ inputs: { sentences: t.list(t.string) }, output: { loud: t.list(t.string), total: t.int64 } });
const each = g.map(one, { text: g.each(g.inputs.sentences) });
g.output({ loud: each.loud, total: g.task(sum({ values: each.words })) });

const sentences = ["typed workers from typespec", "every value checkpointed"];
const result = await run(g, { sentences }, { root: "runs", workers: "workers", progress: true });
console.log(JSON.stringify({ loud: result.value.loud, total: String(result.value.total) }));
