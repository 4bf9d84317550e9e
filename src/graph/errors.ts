/** The errors a run ends with. Their messages are complete: no stack trace needed for users. */

/** A task failed; the run stopped. */
export class TaskFailedError extends Error {
  override name = "TaskFailedError";
  constructor(
    /** Node location, e.g. `-.N8.M2.N2`. */
    readonly loc: string,
    /** `<worker>.<task>`. */
    readonly task: string,
    /** Why: `exited with status 3`, `killed by signal SIGKILL`, `timed out after 5 s`, ... */
    readonly reason: string,
    /** Last lines of the task's stderr. */
    readonly stderrTail?: string,
    /** The run directory, to look at or resume. */
    readonly runDir?: string,
  ) {
    super(
      `task ${task} at ${loc} failed: ${reason}` +
        (stderrTail ? `\n--- stderr (last lines) ---\n${stderrTail}` : "") +
        (runDir ? `\nrun directory: ${runDir}` : ""),
    );
  }
}

/** Graph inputs missing, unknown or of the wrong type; nothing ran. */
export class GraphInputError extends Error {
  override name = "GraphInputError";
}

/** The run could not start or continue for a reason that is not one task's failure. */
export class RunError extends Error {
  override name = "RunError";
}

/** A file the run needed could not be written or read: names the file and the system's reason. */
export class RunFileError extends RunError {
  override name = "RunFileError";
  constructor(
    readonly op: "write" | "read" | "create" | "link" | "remove",
    readonly file: string,
    override readonly cause: unknown,
  ) {
    const why = (cause as Error)?.message ?? String(cause);
    // Errors from `writeFileAtomic` name the file already.
    super(why.startsWith(`cannot ${op} ${file}`) ? why : `cannot ${op} ${file}: ${why}`);
  }
}
