/**
 * One glob dialect for every storage, so that a pattern finds the same files on disk and in
 * memory (upstream's file storage uses Python `glob`, its memory storage `fnmatch`, and they
 * disagree about `/`). `*` and `?` stay within one path segment, `[...]` is a character class,
 * a `**` segment spans any number of segments. Names starting with `.` match like any other.
 */

function segmentSource(seg: string): string {
  let out = "";
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = seg.indexOf("]", i + 2);
      if (end < 0) {
        out += "\\[";
        continue;
      }
      let body = seg.slice(i + 1, end);
      if (body.startsWith("!")) body = "^" + body.slice(1);
      out += `[${body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return out;
}

/** Does a path segment contain a wildcard? */
export function hasMagic(seg: string): boolean {
  return /[*?[]/.test(seg);
}

/** A regular expression matching whole segments of one pattern segment. */
export function segmentRegExp(seg: string): RegExp {
  return new RegExp(`^${segmentSource(seg)}$`);
}

/** A regular expression matching whole paths of a slash-separated pattern. */
export function globRegExp(pattern: string): RegExp {
  const segs = pattern.split("/");
  let src = "";
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    if (seg === "**") src += last ? ".*" : "(?:[^/]*/)*";
    else src += segmentSource(seg) + (last ? "" : "/");
  });
  return new RegExp(`^${src}$`);
}
