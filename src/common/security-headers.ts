import helmet, { HelmetOptions } from 'helmet';

/**
 * helmet's headers, taken from helmet once at start and set as they are: ours are the same for every
 * response, so nothing about them needs computing per request (docs/benchmarks.md has what that saves).
 */
export function securityHeaders(options?: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet(options)({} as never, response as never, () => undefined);
  return headers;
}
