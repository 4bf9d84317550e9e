// Copies the files in other languages that run time reads from beside its modules (*.sh, *.pl, *.c,
// *.py, *.html, *.css, *.json under src/, and browser JavaScript under page/ folders) into
// dist/src at the same relative path; tsc copies only what it compiles.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const src = join(root, "src");
const out = join(root, "dist", "src");
const ASSET = /\.(sh|pl|py|c|html|css|json)$/;

for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const from = join(entry.parentPath, entry.name);
  // Plain JavaScript is copied only from page folders (browser code); elsewhere .js is tsc's.
  const browserCode = entry.name.endsWith(".js") && from.split("/").includes("page");
  if (!ASSET.test(entry.name) && !browserCode) continue;
  const to = join(out, relative(src, from));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
