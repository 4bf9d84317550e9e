/**
 * Top-level names of a stubs file. TypeSpec accepts names TypeScript cannot declare (reserved
 * words, spaces, `undefined` as a type) and names that shadow what the file itself uses (`t`,
 * `Task`, `Record`), so every declaration takes its name from one `NameScope`: a name is either
 * the spec's own or visibly derived from it, and never declared twice.
 */

/** Words that cannot name a binding in a module (strict mode); `eval` and `arguments` included. */
const RESERVED_WORDS = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval"
  ).split(" "),
);

/** Names a type cannot have, or that the file's own type text refers to (`Array<T>`, `Record<string, T>`). */
const RESERVED_TYPE_NAMES = new Set(
  "any unknown never number bigint boolean string symbol object undefined intrinsic Array Record Uint8Array".split(" "),
);

/** True if `name` can be declared as a `const` in a module (an export may still use any name). */
export function isBindable(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name) && !RESERVED_WORDS.has(name);
}

/**
 * An identifier for a type named `name` in the spec: characters outside `[A-Za-z0-9_$]` become
 * `_` (unicode letters too: TypeScript's identifier tables vary with its target), and a reserved
 * word or type name gets a trailing `_`.
 */
export function typeIdentifier(name: string): string {
  let id = name.replace(/[^\w$]/g, "_");
  if (id === "" || /^\d/.test(id)) id = `_${id}`;
  return RESERVED_WORDS.has(id) || RESERVED_TYPE_NAMES.has(id) ? `${id}_` : id;
}

/** The names declared at the top of one file. */
export class NameScope {
  private readonly taken = new Set<string>();

  /** Claims `name` as it is (an export the spec decides); false if it was already claimed. */
  claim(name: string): boolean {
    if (this.taken.has(name)) return false;
    this.taken.add(name);
    return true;
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }

  /** A name not yet used in the file, preferring `base`, else `base2`, `base3`, ... */
  reserve(base: string): string {
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}${i}`;
    this.taken.add(name);
    return name;
  }
}
