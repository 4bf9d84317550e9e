// Moves files with `git mv` and rewrites every relative import that pointed at them, so a reshape
// of the source tree is one mechanical step that can be replayed on a tree others have changed
// meanwhile (their new files' imports are rewritten too).
//
//   node scripts/move-files.mjs [--dry-run | --imports-only] OLD=NEW ...
//
// OLD and NEW are repository paths. A path ending in `/` is a folder: every file under it that no
// file pair moves elsewhere moves with it. Specifiers are rewritten in tracked and new
// .ts/.mts/.mjs/.js files under src, test, bench, scripts, examples and templates; `./x.js` is
// read as the `./x.ts` it is compiled from. `--imports-only` moves nothing and rewrites imports
// that still point at an old path (after a merge brought in files written before the move).
// Paths inside strings that are not imports (e.g. `dist/src/...`) are not touched: the script
// lists them for a person to check.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { posix } from "node:path";

const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");
const importsOnly = args.includes("--imports-only");
const pairs = args.filter((a) => !a.startsWith("--")).map((a) => a.split("="));
if (pairs.length === 0 || pairs.some((p) => p.length !== 2 || !p[0] || !p[1])) {
  console.error("usage: node scripts/move-files.mjs [--dry-run | --imports-only] OLD=NEW ...");
  process.exit(2);
}

const git = (...a) => execFileSync("git", a, { encoding: "utf8" });
const listed = (...a) =>
  git("ls-files", ...a)
    .split("\n")
    .filter(Boolean);
const tracked = listed().filter((f) => existsSync(f));
const files = [...new Set([...tracked, ...listed("--others", "--exclude-standard")])];

/** Where a path is after the moves: a file pair first, then the folder pair it is under. */
function movedPath(path) {
  for (const [from, to] of pairs) if (!from.endsWith("/") && from === path) return to;
  for (const [from, to] of pairs) if (from.endsWith("/") && path.startsWith(from)) return to + path.slice(from.length);
  return path;
}

/** old path → new path of the files to move now (none with `--imports-only`). */
const moves = new Map();
if (!importsOnly) {
  for (const f of tracked) if (movedPath(f) !== f) moves.set(f, movedPath(f));
  const missing = pairs.filter(([from]) => ![...moves.keys()].some((f) => f === from || f.startsWith(from)));
  if (missing.length > 0) {
    console.error(`nothing to move at: ${missing.map(([from]) => from).join(", ")}`);
    process.exit(1);
  }
}

const SOURCE = /^(src|test|bench|scripts|examples|templates)\/.*\.(ts|mts|mjs|js)$/;
const SPECIFIER = /((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.\.?\/[^"']+)\2/g;
const before = new Map([...moves].map(([o, n]) => [n, o]));
const sources = files.map((f) => moves.get(f) ?? f).filter((f) => SOURCE.test(f));

for (const [from, to] of moves) {
  console.log(`${from} -> ${to}`);
  if (dryRun) continue;
  mkdirSync(posix.dirname(to), { recursive: true });
  git("mv", from, to);
}

let rewritten = 0;
for (const file of sources) {
  const was = before.get(file) ?? file;
  const text = readFileSync(dryRun ? was : file, "utf8");
  const out = text.replace(SPECIFIER, (match, lead, quote, specifier) => {
    const target = posix.normalize(posix.join(posix.dirname(was), specifier));
    const ext = posix.extname(target);
    const source = ext === ".js" ? target.slice(0, -3) + ".ts" : target;
    const moved = movedPath(source);
    const now = moved === source ? target : ext === ".js" ? moved.replace(/\.ts$/, ".js") : moved;
    if (now === target && was === file) return match;
    let relative = posix.relative(posix.dirname(file), now);
    if (!relative.startsWith(".")) relative = `./${relative}`;
    return relative === specifier ? match : `${lead}${quote}${relative}${quote}`;
  });
  if (out === text) continue;
  rewritten++;
  console.log(`imports rewritten: ${file}`);
  if (!dryRun) writeFileSync(file, out);
}
console.log(`${moves.size} files moved, imports rewritten in ${rewritten}`);

// Other mentions of the old paths (strings, docs) are for a person to judge.
if (!dryRun) {
  const olds = pairs.map(([from]) => from.replace(/\.ts$/, ""));
  const grep = spawnSync("git", ["grep", "-n", "-F", ...olds.flatMap((o) => ["-e", o])], { encoding: "utf8" });
  if (grep.stdout) console.log(`still mentioning an old path:\n${grep.stdout}`);
}
