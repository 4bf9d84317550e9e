{
  "name": "{{name}}",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "scripts": {
    "build": "tsp compile .",
    "start": "tsp compile . && node graph.ts",
    "typecheck": "tsp compile . && tsc -p ."
  },
  "devDependencies": {
    "@types/node": "^24.0.0",
    "@typespec/compiler": "^{{compilerVersion}}",
    "node": "^24.0.0",
    "typescript": "^5.9.0",
    "typespec-workers": "{{packageSpec}}"
  }
}
