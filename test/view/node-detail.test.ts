// Values as the viewer shows them: decoded by the declared type, big integers exact, bytes as
// hex with their size, large values cut short (with the full size given for the download).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { t } from "../../src/runtime/index.js";
import { showValue } from "../../src/view/node-detail.js";
import { tempDir } from "./support.js";

const file = (bytes: string | Uint8Array) => {
  const f = join(tempDir(), "value");
  writeFileSync(f, bytes);
  return f;
};

describe("shown values", () => {
  it("decodes by the declared type", () => {
    expect(showValue(file("9223372036854775807"), "n", t.int64)).toMatchObject({
      type: "int64",
      text: "9223372036854775807",
      truncated: false,
    });
    expect(showValue(file('["a", "b"]'), "xs", t.list(t.string))).toMatchObject({
      type: "string[]",
      text: '[\n  "a",\n  "b"\n]',
    });
    // Without a type (upstream runs): JSON first, else bytes.
    expect(showValue(file('{"x": 1}'), "v", undefined).text).toBe('{\n  "x": 1\n}');
    expect(showValue(file(new Uint8Array([0xff, 0])), "v", undefined)).toMatchObject({ hex: "ff 00", size: 2 });
  });

  it("shows bytes as hex with their size, cut after 256 bytes", () => {
    const v = showValue(file(new Uint8Array(1000).fill(0xab)), "raw", t.bytes);
    expect(v.size).toBe(1000);
    expect(v.truncated).toBe(true);
    expect(v.hex!.split(" ")).toHaveLength(256);
  });

  it("does not decode a large value, shows its start", () => {
    const big = JSON.stringify("x".repeat(600_000));
    const v = showValue(file(big), "s", t.string);
    expect(v).toMatchObject({ size: big.length, truncated: true });
    expect(v.text!.length).toBeLessThanOrEqual(4000);
  });

  it("says when a value does not decode as its declared type", () => {
    const v = showValue(file('"text"'), "n", t.int32);
    expect(v.error).toMatch(/does not decode as int32/);
    expect(v.hex).toBe("22 74 65 78 74 22");
  });
});
