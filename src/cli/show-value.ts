/** A decoded value as readable JSON: big integers as numbers, bytes as text when UTF-8, else base64. */
export function showValue(value: unknown): string {
  const strict = new TextDecoder("utf-8", { fatal: true });
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
      if (v instanceof Uint8Array) {
        try {
          return { bytes: strict.decode(v) };
        } catch {
          return { bytes_base64: Buffer.from(v).toString("base64") };
        }
      }
      return v;
    },
    2,
  );
}
