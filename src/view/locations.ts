/**
 * Node locations (`-.N3.M0.N1`, CONTRACT.md) as the viewer meets them: in folder names and in
 * requests. A location from a request is only used after `isLoc` accepts it, so it can never name
 * a path outside the run directory (no `/`, no `..`).
 */

const LOC = /^-(?:\.(?:N-?\d+|L\d+|M\d+))*$/;

export function isLoc(s: string): boolean {
  return s.length < 4096 && LOC.test(s);
}

/** The enclosing location, or undefined for the root `-`. */
export function parentLoc(loc: string): string | undefined {
  const dot = loc.lastIndexOf(".");
  return dot < 0 ? undefined : loc.slice(0, dot);
}

/** The last step: `["N", 3]`, `["M", 0]`, `["L", 2]`, or undefined for the root. */
export function lastStep(loc: string): readonly ["N" | "M" | "L", number] | undefined {
  const dot = loc.lastIndexOf(".");
  if (dot < 0) return undefined;
  return [loc[dot + 1] as "N" | "M" | "L", Number(loc.slice(dot + 2))];
}

/** Locations sorted as a reader expects: by each step's number, not as text. */
export function compareLocs(a: string, b: string): number {
  const as = a.split(".");
  const bs = b.split(".");
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    if (as[i] === bs[i]) continue;
    const ka = as[i]![0]!;
    const kb = bs[i]![0]!;
    if (ka !== kb) return ka < kb ? -1 : 1;
    return Number(as[i]!.slice(1)) - Number(bs[i]!.slice(1));
  }
  return as.length - bs.length;
}
