// Copies every non-TypeScript asset under src/ (shell, Perl, Python, HTML, JSON files) to the
// same relative path under dist/src, where the compiled code reads it. Run by `npm run build`.
import { cpSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "src");
const to = join(root, "dist", "src");
const ASSETS = new Set([".sh", ".pl", ".py", ".html", ".json"]);

function copy(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copy(path);
    else if (ASSETS.has(extname(entry.name))) {
      const target = join(to, relative(from, path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}

copy(from);
