/** A health check answers within this, whatever its dependency does: a load balancer must not wait. */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

export class CheckTimedOut extends Error {}

/** `work`, or a CheckTimedOut rejection after `ms`; the work itself is left to its own timeouts. */
export function withTimeout<T>(work: Promise<T>, ms = HEALTH_CHECK_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CheckTimedOut()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
