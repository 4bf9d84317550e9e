# {{name}}

Workers described in TypeSpec (`main.tsp`), compiled by `typespec-workers` into `workers/`, and a
graph that runs them (`graph.ts`).

```sh
npm start            # compile the spec, run the graph (checkpoints in runs/)
npm run typecheck    # compile, then type-check graph.ts against the generated stubs
```

`npm start` and `npx …` run on the Node from the `node` devDependency (the TypeSpec compiler needs
Node >= 22). Run information: `npx typespec-workers status runs/<id>` and `results runs/<id>`.
