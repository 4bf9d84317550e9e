/**
 * Doc comments as written. TypeSpec's doc comment parser takes an `@` anywhere in the text as the
 * start of a block tag, so `see {@link Point}.` comes back from `getDoc` as `see {` (the rest
 * becomes an unknown `@link` tag): stubs and `worker.json` would carry the cut text. Here an
 * unknown tag that follows a `{` is put back into the text it interrupts.
 */
import { getDoc, type Program, type Type } from "@typespec/compiler";
import { SyntaxKind, type DocNode, type Node } from "@typespec/compiler/ast";

/** The doc text of `type` (its doc comment, an `@param` of its operation, or `@doc`). */
export function docText(program: Program, type: Type): string | undefined {
  const doc = getDoc(program, type);
  if (doc === undefined || !doc.includes("{")) return doc;
  const written = writtenDoc(type);
  // Only a doc that came from a comment is repaired (an explicit `@doc("...")` is taken as it is).
  return written && written.cut.trim() === doc.trim() ? written.text.trim() : doc;
}

interface Segment {
  /** `undefined` for the main text, else the parameter an `@param` tag describes. */
  readonly param?: string;
  readonly tag?: string;
  /** The text as the compiler has it. */
  readonly cut: string;
  text: string;
}

function writtenDoc(type: Type): Segment | undefined {
  const node = type.node as Node | undefined;
  if (!node) return undefined;
  const own = lastDoc(node);
  if (own) return segments(own).find((s) => s.tag === undefined);
  // An operation parameter's doc is its operation's `@param` tag.
  if (type.kind !== "ModelProperty") return undefined;
  for (let n: Node | undefined = node.parent; n; n = n.parent) {
    const doc = lastDoc(n);
    const param = doc && segments(doc).find((s) => s.param === type.name);
    if (param) return param;
  }
  return undefined;
}

function lastDoc(node: Node): DocNode | undefined {
  const docs = (node as { docs?: readonly DocNode[] }).docs;
  return docs?.at(-1);
}

function segments(doc: DocNode): Segment[] {
  const text = (content: readonly { text: string }[]) => content.map((c) => c.text).join("");
  const main = text(doc.content);
  const out: Segment[] = [{ cut: main, text: main }];
  for (const tag of doc.tags) {
    const content = text(tag.content);
    const previous = out.at(-1)!;
    if (tag.kind === SyntaxKind.DocUnknownTag && previous.text.trimEnd().endsWith("{")) {
      previous.text = `${previous.text.trimEnd()}@${tag.tagName.sv} ${content}`;
      continue;
    }
    const param = tag.kind === SyntaxKind.DocParamTag ? tag.paramName.sv : undefined;
    out.push({ tag: tag.tagName.sv, ...(param !== undefined ? { param } : {}), cut: content, text: content });
  }
  return out;
}
