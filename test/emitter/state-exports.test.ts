// Every reader of decorator state is part of the package's API, so another emitter can read a
// spec's decorators; a new accessor in src/decorators/state.ts that is not exported fails here.
import { expect, it } from "vitest";
import * as state from "../../src/decorators/state.js";
import * as pkg from "../../src/index.js";

it("the package exports every decorator state reader of src/decorators/state.ts (and no writer)", () => {
  const names = Object.keys(state);
  const readers = names.filter((n) => !n.startsWith("set"));
  expect(readers.length).toBeGreaterThan(5);
  const exported = pkg as Record<string, unknown>;
  expect(readers.filter((n) => exported[n] !== (state as Record<string, unknown>)[n])).toEqual([]);
  expect(names.filter((n) => n.startsWith("set") && n in exported)).toEqual([]);
});
