/** Every problem of a pool configuration, each at its place; thrown before anything runs. */
export class PoolConfigError extends Error {
  override name = "PoolConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`the worker pool configuration is not valid, nothing ran:\n  ${problems.join("\n  ")}`);
  }
}
