/**
 * Services run controller-side (docs/persistent-workers.md): the tasks of a `defineService` worker
 * run inside the controller against one started service, which is stopped when the run ends. A
 * backendless service (no `start`) can only run here or in a persistent instance.
 */
import type { ServiceImpl } from "../../runtime/service.js";
import type { Executor } from "../executor.js";
import { Limiter } from "../limiter.js";
import { inProcessExecutor } from "./in-process.js";

export interface ServiceExecutorOptions {
  /** Tasks at once against the services, over the limit each service sets itself. */
  readonly concurrency?: number;
}

export function serviceExecutor(
  services: ServiceImpl<unknown> | readonly ServiceImpl<unknown>[],
  options: ServiceExecutorOptions = {},
): Executor {
  const list: readonly ServiceImpl<unknown>[] = Array.isArray(services) ? services : [services as ServiceImpl<unknown>];
  const inner = inProcessExecutor(list);
  const limiter = options.concurrency !== undefined ? new Limiter(options.concurrency) : undefined;
  return {
    run: (launch) => (limiter ? limiter.run(() => inner.run(launch)) : inner.run(launch)),
    async close() {
      await Promise.all(list.map((s) => s.close()));
    },
  };
}
