/**
 * A generator of odd TypeSpec specs, from a seed: names that are reserved words in JavaScript,
 * TypeScript or bash, that the stubs use themselves, unicode and long names; every type, nested;
 * recursive models and unions; decorators in odd combinations (template variables too); and mutated
 * text.
 *
 * `accepted` workers use only what the compiler must accept: a batch of them compiles with no
 * error, and every file it emits must load, type-check and parse. `hostile` workers add what the
 * compiler must refuse with a located diagnostic (never a crash). Each worker sits in its own
 * namespace, so one batch file holds many workers and the suite stays a few compiles.
 */

export interface Random {
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast, and the same sequence for a seed on every machine. */
export function random(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { int, pick: (xs) => xs[int(xs.length)]!, chance: (p) => next() < p };
}

/** Portable names (letters, digits, `_`) that mean something to JavaScript, TypeScript, bash or the stubs. */
const ODD_PORTABLE = (
  "t task worker workerName Task Handler class default import export let yield await enum new this super " +
  "undefined NaN Infinity globalThis constructor prototype __proto__ toString hasOwnProperty valueOf " +
  "then fi do done eval exec case esac function select time until while in for if else elif return trap set " +
  "string number bigint boolean any unknown never object symbol void null true false Array Record Uint8Array " +
  "Promise Map Object Error JSON Math _ __ _1 a A Z z0 x_ value inputs outputs name shape type tkr_main " +
  "PATH IFS HOME input_x_file output_value_file main sh"
).split(" ");

/** Names only a type may have (backticked): spaces, symbols, unicode, digits first. */
const ODD_TYPE_NAMES = [
  "a b",
  "café",
  "名前",
  "Δx",
  "$t",
  "$task",
  "1st",
  "x-y",
  "a.b",
  "__proto__",
  "default",
  "import",
  "undefined",
  "t",
  "Task",
  "Record",
  "Array",
  "*/",
  "`",
]; // not `string`: it would shadow the scalar in its namespace

const PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";

const ACCEPTED_SCALARS =
  "int8 int16 int32 int64 uint8 uint16 uint32 uint64 safeint integer float float32 float64 string url bytes boolean".split(
    " ",
  );
const REFUSED_TYPES = [
  "decimal",
  "utcDateTime",
  "duration",
  "unknown",
  "never",
  "numeric",
  "[int32, string]",
  "plainDate",
];

/** TypeSpec source text of an identifier: backticked unless it is a plain one that is not a keyword. */
const TSP_KEYWORDS = new Set(
  (
    "import model scalar namespace using op enum alias is interface union projection else if dec fn const init extern " +
    "extends true false return void never unknown valueof typeof internal private public sym context prop property " +
    "environment fn module statemachine macro package metadata env arg declare array struct record tuple mod pub sub " +
    "typeref trait this self super keyof with implements impl satisfies flag auto partial private public protected " +
    "internal sealed local async"
  ).split(" "),
);
export function id(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !TSP_KEYWORDS.has(name)) return name;
  return "`" + name.replace(/\\/g, "\\\\").replace(/`/g, "\\`") + "`";
}

export type WorkerKind = "accepted" | "hostile";

interface Context {
  readonly r: Random;
  /** The worker's interface shares the namespace with the types. */
  readonly worker: string;
  readonly kind: WorkerKind;
  /** Declarations of the worker's namespace, written before the interface. */
  readonly decls: string[];
  /** Named types declared so far, usable as types. */
  readonly named: string[];
  /** Names given to types so far, declared or still being declared. */
  readonly declaring: Set<string>;
  counter: number;
  /** The worker's template variables (`@vars`) and their own random source, if it has any. */
  readonly vars?: { readonly names: readonly string[]; readonly v: Random };
}

/** A portable name, odd or long or plain; unique among `taken` (compared as the file system would on macOS). */
function portableName(r: Random, taken: Set<string>, kind: WorkerKind): string {
  for (;;) {
    let name: string;
    const roll = r.int(10);
    if (roll < 5) name = r.pick(ODD_PORTABLE);
    else if (roll < 8)
      name =
        r.pick("abcdefghxyzQ_".split("")) + Array.from({ length: r.int(12) }, () => r.pick(PLAIN.split(""))).join("");
    else if (roll < 9)
      name = "l" + "o".repeat(60 + r.int(60)) + "ng"; // up to the 128-character limit
    else
      name =
        kind === "hostile"
          ? r.pick(["é", "名前", "a-b", "x y", "1st", "ok"]) + (r.chance(0.2) ? "x".repeat(200) : "")
          : `n${r.int(1000)}`;
    if (!taken.has(name.toLowerCase())) {
      taken.add(name.toLowerCase());
      return name;
    }
  }
}

/** A type expression, declaring named types it needs in `ctx.decls`. */
function typeExpr(ctx: Context, depth: number): string {
  const { r } = ctx;
  if (ctx.kind === "hostile" && r.chance(0.05)) return r.pick(REFUSED_TYPES);
  if (depth <= 0) return r.pick(ACCEPTED_SCALARS);
  switch (r.int(14)) {
    case 0:
    case 1:
    case 2:
      return r.pick(ACCEPTED_SCALARS);
    case 3:
      return `${wrap(typeExpr(ctx, depth - 1))}[]`;
    case 4:
      return `TypeSpec.Record<${typeExpr(ctx, depth - 1)}>`; // the namespace may declare its own `Record`
    case 5:
      return r.pick([`"lit"`, `"with \\"quotes\\" */"`, "42", "-1.5", "true", "null", `"é"`]);
    case 6:
      return Array.from({ length: 2 + r.int(3) }, () => wrap(typeExpr(ctx, depth - 1))).join(" | ");
    case 7:
      return `${wrap(typeExpr(ctx, depth - 1))} | null`;
    case 8:
      return `{ ${Array.from({ length: r.int(3) }, (_, i) => `${id(`${r.pick(ODD_PORTABLE)}${i}`)}${r.chance(0.3) ? "?" : ""}: ${typeExpr(ctx, depth - 1)}`).join("; ")} }`;
    case 9:
      return ctx.named.length > 0 ? r.pick(ctx.named) : declareModel(ctx, depth - 1);
    case 10:
      return declareModel(ctx, depth - 1);
    case 11:
      return declareEnum(ctx);
    case 12:
      return declareUnion(ctx, depth - 1);
    default:
      return declarePair(ctx, depth - 1);
  }
}

/** A union written inside `[]` or `|` needs parentheses. */
function wrap(type: string): string {
  return /[|{]/.test(type) ? `(${type})` : type;
}

function typeName(ctx: Context, prefix: string): string {
  const { r } = ctx;
  ctx.counter++;
  const odd = `${r.pick(ODD_TYPE_NAMES)}${r.chance(0.5) ? "" : ctx.counter}`;
  const name = r.chance(0.4) && odd !== ctx.worker ? id(odd) : `${prefix}${ctx.counter}`;
  // A name still being declared (its body is drawn first) is not free: a union `$task` whose variant
  // declares a model `$task` is a duplicate symbol. A declared one is reused as it is.
  if (ctx.declaring.has(name) && !ctx.named.includes(name)) return `${prefix}${ctx.counter}`;
  ctx.declaring.add(name);
  return name;
}

function declareModel(ctx: Context, depth: number): string {
  const { r } = ctx;
  const name = typeName(ctx, "M");
  if (ctx.named.includes(name)) return name;
  const taken = new Set<string>();
  const props: string[] = [];
  const models = ctx.named.filter((n) => /^M\d+$/.test(n));
  const base = models.length > 0 && r.chance(0.2) ? r.pick(models) : undefined;
  const recursive = ctx.kind === "hostile" && r.chance(0.3);
  for (let i = r.int(4); i > 0; i--) {
    // A derived model's properties must not repeat its base's.
    const prop = `${base ? "ext_" : ""}${portableName(r, taken, "accepted")}`;
    props.push(
      `${docComment(r)}${id(prop)}${r.chance(0.3) ? "?" : ""}: ${recursive && i === 1 ? r.pick([name, `${name}[]`, `${name} | null`]) : typeExpr(ctx, depth)};`,
    );
  }
  const extendsClause = base ? ` extends ${base}` : "";
  ctx.decls.push(`${docComment(r)}model ${name}${extendsClause} { ${props.join(" ")} }`);
  ctx.named.push(name);
  return name;
}

function declareEnum(ctx: Context): string {
  const { r } = ctx;
  const name = typeName(ctx, "E");
  if (ctx.named.includes(name)) return name;
  const count = ctx.kind === "hostile" && r.chance(0.2) ? 0 : 1 + r.int(4);
  const taken = new Set<string>();
  const members = Array.from({ length: count }, (_, i) => {
    const member = r.chance(0.5) ? portableName(r, taken, "accepted") : `${r.pick(ODD_TYPE_NAMES)}${i}`;
    const value = r.pick(["", `: "${i}v"`, `: ${i}`, `: ${i}.5`]);
    return `${id(member)}${value}`;
  });
  ctx.decls.push(`enum ${name} { ${members.join(", ")} }`);
  ctx.named.push(name);
  return name;
}

function declareUnion(ctx: Context, depth: number): string {
  const { r } = ctx;
  const name = typeName(ctx, "U");
  if (ctx.named.includes(name)) return name;
  const count = ctx.kind === "hostile" && r.chance(0.1) ? 0 : 1 + r.int(3);
  const recursive = ctx.kind === "hostile" && r.chance(0.3);
  const variants = Array.from(
    { length: count },
    (_, i) => `v${i}: ${recursive && i === 0 ? r.pick([name, `${name}[]`]) : typeExpr(ctx, depth)}`,
  );
  ctx.decls.push(`union ${name} { ${variants.join(", ")} }`);
  ctx.named.push(name);
  return name;
}

/** A template, instantiated: `Pair<int32>`. */
function declarePair(ctx: Context, depth: number): string {
  const { r } = ctx;
  ctx.counter++;
  const name = `Pair${ctx.counter}`;
  const param = r.pick(["T", "string", "Task", "t", "Record"]);
  ctx.decls.push(`model ${name}<${id(param)}> { first: ${id(param)}; second: ${id(param)}[]; other: int32 }`);
  return `${name}<${typeExpr(ctx, depth)}>`;
}

function docComment(r: Random): string {
  if (!r.chance(0.2)) return "";
  return r.pick([
    `/** plain doc */ `,
    `@doc("ends a comment */ here") `,
    `/** é and \`code\` and {@link x} */ `,
    `@doc("line\\nbreak") `,
  ]);
}

interface Port {
  readonly name: string;
  readonly text: string;
}

/** One worker in its own namespace: models it uses, then the interface. */
export function generateWorker(r: Random, index: number, kind: WorkerKind, workerNames: Set<string>): string {
  const worker = portableName(r, workerNames, kind);
  const vars = templateVars(worker, index, kind);
  const ctx: Context = {
    r,
    kind,
    worker,
    decls: [],
    named: [],
    declaring: new Set(),
    counter: 0,
    ...(vars ? { vars } : {}),
  };
  const depth = kind === "hostile" && r.chance(0.1) ? 70 + r.int(40) : 1 + r.int(4);
  const taskNames = new Set<string>([worker.toLowerCase()]);
  const tasks: string[] = [];
  for (let k = 1 + r.int(4); k > 0; k--) tasks.push(generateTask(ctx, taskNames, depth));
  if (kind === "hostile" && r.chance(0.1)) tasks.push(`${id(worker)}(): int32;`); // named as its worker
  const workerDecorators = [
    r.chance(0.15) ? `@timeout(${1 + r.int(100)})` : "",
    r.chance(0.1) ? `@resources(#{ cpus: ${1 + r.int(8)}, memory: "2G" })` : "",
    vars?.decorator ?? "",
    // On a worker, `@script` takes no path: each task without its own launch decorator runs `<task>.sh`.
    r.chance(0.1) ? (kind === "hostile" && r.chance(0.3) ? `@script("w.sh")` : "@script") : "",
  ];
  const ns = r.chance(0.3) ? id(`${r.pick(ODD_TYPE_NAMES)}ns${index}`) : `N${index}`;
  return [
    `namespace ${ns} {`,
    ...ctx.decls.map((d) => `  ${d}`),
    `  ${docComment(r)}${workerDecorators.filter(Boolean).join(" ")} interface ${id(worker)} {`,
    ...tasks.map((t) => `    ${t}`),
    "  }",
    "}",
  ].join("\n");
}

/** What a template variable's type and default may be: `[type, default text]`. */
const VAR_TYPES: readonly (readonly [string, string])[] = [
  ["int32", " = 4"],
  ["int64", " = -9007199254740993"],
  ["integer", ""],
  ["float64", " = 0.5"],
  ["boolean", " = true"],
  ["string", ' = "fast"'],
  ["string", ' = "a b; $(touch x) \\"\\n-x {{y}}"'],
  ["string", ""],
];
const HOSTILE_VARS = ["bad: bytes", "list: string[]", "opt?: string", "`a-b`: int32 = 1", "m: Record<string>"];

/**
 * The worker's template variables, drawn from a random source of their own (seeded by the worker),
 * so adding them left every other part of the generated specs as it was for a seed.
 */
function templateVars(worker: string, index: number, kind: WorkerKind) {
  let seed = index + 1;
  for (const c of worker) seed = (Math.imul(seed, 31) + c.codePointAt(0)!) >>> 0;
  const v = random(seed);
  if (!v.chance(0.25)) return undefined;
  const taken = new Set<string>();
  const names = Array.from({ length: 1 + v.int(3) }, () => portableName(v, taken, kind));
  const props = names.map((n) => {
    const [type, value] = v.pick(VAR_TYPES);
    return `${id(n)}: ${type}${value}`;
  });
  if (kind === "hostile" && v.chance(0.4)) props.push(v.pick(HOSTILE_VARS));
  return { names, v, decorator: `@vars({ ${props.join(", ")} })` };
}

function generateTask(ctx: Context, taskNames: Set<string>, depth: number): string {
  const { r, kind } = ctx;
  const name = portableName(r, taskNames, kind);
  const portNames = new Set<string>();
  const inputs: Port[] = [];
  for (let i = r.int(4); i > 0; i--) {
    const port = portableName(r, portNames, kind);
    const type = typeExpr(ctx, depth);
    const optional = r.chance(0.2);
    const defaultValue = !optional && r.chance(0.1) && type === "int32" ? " = 7" : "";
    inputs.push({
      name: port,
      text: `${docComment(r)}${id(port)}${optional || defaultValue ? "?" : ""}: ${type}${defaultValue}`,
    });
  }
  let result: string;
  let outputs: string[];
  if (r.chance(0.25)) {
    const outNames = new Set<string>();
    const props = Array.from({ length: 1 + r.int(3) }, () => portableName(r, outNames, kind));
    ctx.counter++;
    result = `Out${ctx.counter}`;
    ctx.decls.push(
      `@portmapping model ${result} { ${props.map((p) => `${id(p)}: ${typeExpr(ctx, depth)};`).join(" ")} }`,
    );
    outputs = props;
  } else {
    result = r.chance(0.1) ? "void" : typeExpr(ctx, depth);
    outputs = ["value"];
  }
  const decorators = taskDecorators(ctx, inputs, outputs);
  return `${docComment(r)}${decorators}${id(name)}(${inputs.map((p) => p.text).join(", ")}): ${result};`;
}

function taskDecorators(ctx: Context, inputs: readonly Port[], outputs: readonly string[]): string {
  const { r, kind } = ctx;
  const outs = new Set(outputs);
  // A name that is both an input and an output is ambiguous in a template: leave those out.
  const usable = [...inputs.map((p) => p.name), ...outputs].filter(
    (n) => !(outs.has(n) && inputs.some((p) => p.name === n)),
  );
  const placeholder = () => (usable.length > 0 ? `{${r.pick(usable)}}` : "x");
  // Variables come from their own random source, so the ports' draws stay as they were.
  const variable = (vars: NonNullable<Context["vars"]>) =>
    kind === "hostile" && vars.v.chance(0.2) ? "{var.nope}" : `x{var.${vars.v.pick(vars.names)}}`;
  const line = () =>
    [
      r.pick(["tool", "sort -u", "openssl enc", "printf '%s'", `"a b"`, "'{{literal}}'"]),
      ...Array.from({ length: r.int(3) }, placeholder),
      ...(ctx.vars?.v.chance(0.6) ? [variable(ctx.vars)] : []),
    ].join(" ");
  const decorators: string[] = [];
  switch (r.int(6)) {
    case 0:
      decorators.push(`@command(${Array.from({ length: 1 + r.int(2) }, () => JSON.stringify(line())).join(", ")})`);
      break;
    case 1:
      if (inputs.length === 1 && outputs.length === 1)
        decorators.push(r.chance(0.5) ? "@stdio" : `@stdio(${JSON.stringify(line())})`);
      break;
    case 2:
      decorators.push(
        r.chance(0.3)
          ? "@script" // runs `<task>.sh`
          : `@script(${JSON.stringify(r.pick(["x.sh", "bin/run this.py", "../up.sh", "é.sh"]))})`,
      );
      break;
  }
  if (r.chance(0.2)) decorators.push(`@timeout(${1 + r.int(3600)})`);
  if (r.chance(0.15))
    decorators.push(
      `@resources(#{ cpus: ${1 + r.int(4)}, time: "${r.pick(["30", "10:00", "1-00:00:00"])}", sbatch: #["--qos=debug"] })`,
    );
  if (kind === "hostile") {
    const hostile = [
      "@command()",
      `@command("sort {nope}")`,
      `@command("a > b | c")`,
      `@command("unclosed 'quote")`,
      "@timeout(0)",
      "@timeout(1) @timeout(2)",
      `@resources(#{ cpus: 0, memory: "lots", partition: "a b", sbatch: #["x"] })`,
      `@script("a") @script("b")`,
      `@stdio @command("x")`,
      "@portmapping",
    ];
    if (r.chance(0.4)) decorators.push(r.pick(hostile));
  }
  return decorators.length > 0 ? decorators.join(" ") + " " : "";
}

/**
 * Names no worker takes: an interface named `boolean` would be what `boolean` means in its
 * namespace (a spec's problem, not the compiler's), and so would one named `null`, which TypeSpec
 * resolves as a name, not a keyword (`| null` in that namespace then means the interface; the
 * library reports that, see test/emitter/null-shadowed.test.ts). `void`, `never` and `unknown` are
 * keywords, reserved here all the same so that no generated type position depends on that.
 */
function freshWorkerNames(): Set<string> {
  return new Set([...ACCEPTED_SCALARS, "null", "void", "never", "unknown"].map((s) => s.toLowerCase()));
}

/** A spec file of `count` workers, starting with the library import. */
export function generateSpec(seed: number, count: number, kind: WorkerKind): string {
  const r = random(seed);
  const workerNames = freshWorkerNames();
  const workers = Array.from({ length: count }, (_, i) => generateWorker(r, i, kind, workerNames));
  return [
    `// seed ${seed}, ${count} ${kind} workers`,
    `import "typespec-workers";`,
    "using Workers;",
    "",
    ...workers,
    "",
  ].join("\n");
}

const MUTATION_TOKENS = [
  "[]",
  "|",
  "?",
  "{",
  "}",
  "(",
  ")",
  ";",
  ",",
  "@command()",
  "@stdio",
  "@portmapping",
  "null",
  "`x`",
  "...",
  "<T>",
  "extends",
  "\n",
  '"',
  "#{",
  "= 1",
];

/** The text with a few random edits: deleted, repeated and inserted pieces. */
export function mutate(r: Random, text: string): string {
  let out = text;
  for (let n = 1 + r.int(3); n > 0; n--) {
    const at = r.int(out.length + 1);
    switch (r.int(4)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + 1 + r.int(20));
        break;
      case 1: {
        const piece = out.slice(at, at + 1 + r.int(40));
        out = out.slice(0, at) + piece + piece + out.slice(at + piece.length);
        break;
      }
      default:
        out = out.slice(0, at) + r.pick(MUTATION_TOKENS) + out.slice(at);
    }
  }
  return out;
}

/** Workers of both kinds, each mutated, in one file (the parser recovers, so every piece is checked). */
export function generateMutatedSpec(seed: number, count: number): string {
  const r = random(seed);
  const workerNames = freshWorkerNames();
  const workers = Array.from({ length: count }, (_, i) =>
    mutate(r, generateWorker(r, i, r.chance(0.5) ? "accepted" : "hostile", workerNames)),
  );
  return [
    `// seed ${seed}, ${count} mutated workers`,
    `import "typespec-workers";`,
    "using Workers;",
    "",
    ...workers,
    "",
  ].join("\n");
}
