/**
 * The worker pool as a user declares it (`workers.yaml`, or the same object in code): which kind
 * of executor runs each worker, with its environment, template variables and storage. The shape
 * is `schema/workers.schema.json`, which the package ships for editors.
 */
import type { ContainerEngine } from "../graph/executors/container.js";
import type { SlurmResources } from "../graph/executors/slurm-resources.js";

export const WORKER_KINDS = [
  "auto",
  "shell",
  "stdio",
  "node",
  "python",
  "container",
  "slurm",
  "in-process",
  "persistent",
  "service",
] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

export interface WorkerEntry {
  readonly kind: WorkerKind;
  /** Environment of the program; the contract's own variables win over it. */
  readonly env?: Readonly<Record<string, string>>;
  /** Template variables (`@vars`, `{var.<name>}`), given to the program as `var_<name>`. */
  readonly vars?: Readonly<Record<string, string | number | boolean>>;
  /** A name under `volumes`. */
  readonly volume?: string;
  // python
  readonly project?: string;
  readonly python?: string;
  readonly uv?: boolean;
  // node, in-process
  readonly file?: string;
  readonly export?: string;
  // container
  readonly image?: string;
  readonly engine?: ContainerEngine;
  readonly shell?: string;
  // slurm
  /** Also how the program starts (`launch`) and the `modules` it needs: docs/slurm.md. */
  readonly resources?: SlurmResources;
  // persistent (docs/persistent-workers.md)
  readonly instances?: number;
  readonly start?: "lazy" | "eager";
  /** Seconds a starting instance (persistent) or service (start + connect) has to be ready. */
  readonly readyTimeout?: number;
  readonly command?: readonly string[];
  readonly wrap?: readonly string[];
  // service
  readonly concurrency?: number;
}

export interface PoolConfig {
  readonly default?: WorkerEntry;
  readonly workers?: Readonly<Record<string, WorkerEntry>>;
  readonly volumes?: Readonly<Record<string, string>>;
  readonly volumeRoots?: readonly string[];
  readonly workerDirs?: readonly string[];
}

/** Keys that mean something only for some kinds (the rest apply to every kind but in-process). */
export const KIND_KEYS: Readonly<Record<string, readonly WorkerKind[]>> = {
  project: ["python"],
  python: ["python", "persistent"],
  uv: ["python"],
  file: ["node", "in-process", "service"],
  export: ["in-process", "service"],
  image: ["container"],
  engine: ["container"],
  shell: ["container"],
  resources: ["slurm"],
  instances: ["persistent"],
  start: ["persistent"],
  readyTimeout: ["persistent", "service"],
  command: ["persistent"],
  wrap: ["persistent"],
  concurrency: ["service"],
};

/** A program's environment cannot reach a worker run inside the controller (in-process, service). */
export const NO_PROCESS_KEYS = ["env", "vars", "volume"] as const;
