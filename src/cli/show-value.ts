/**
 * A decoded value as readable JSON, one JSON type per declared type: every integer is a JSON
 * number with all its digits (an int64 beyond 2^53 too: printed exactly, never rounded and never
 * turned into a string), bytes are `{"bytes": text}` when UTF-8, else `{"bytes_base64": ...}`.
 */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

export function showValue(value: unknown, indent = 2): string {
  const strict = new TextDecoder("utf-8", { fatal: true });
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === "bigint") return rawJson(v.toString());
      if (v instanceof Uint8Array) {
        try {
          return { bytes: strict.decode(v) };
        } catch {
          return { bytes_base64: Buffer.from(v).toString("base64") };
        }
      }
      return v;
    },
    indent,
  );
}
