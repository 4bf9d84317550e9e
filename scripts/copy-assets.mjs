#!/usr/bin/env node
// Copy the non-TypeScript files the built package reads at run time (scripts, page files, JSON)
// from src/ to dist/src at the same relative path: tsc copies only what it compiles.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const repo = join(import.meta.dirname, "..");
const src = join(repo, "src");
const dist = join(repo, "dist", "src");
const ASSET = /\.(sh|pl|py|html|css|json)$/;

function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    // Plain JavaScript is copied only from page folders (browser code); elsewhere .js is tsc's.
    else if (ASSET.test(e.name) || (e.name.endsWith(".js") && p.split("/").includes("page"))) {
      const to = join(dist, relative(src, p));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(p, to);
    }
  }
}
walk(src);
