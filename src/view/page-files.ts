/**
 * The viewer's and the report's page files (HTML, CSS, JS), real files beside the compiled code
 * (`dist/src/view/page`, copied from `src/view/page` by the build).
 */
import { readFileSync } from "node:fs";

export const PAGE_FILES = {
  "index.html": "text/html; charset=utf-8",
  "viewer.css": "text/css; charset=utf-8",
  "viewer.js": "text/javascript; charset=utf-8",
  "report.html": "text/html; charset=utf-8",
  "report.css": "text/css; charset=utf-8",
  "report.js": "text/javascript; charset=utf-8",
} as const;

export type PageFile = keyof typeof PAGE_FILES;

export function pageFile(name: PageFile): string {
  return readFileSync(new URL(`./page/${name}`, import.meta.url), "utf8");
}
