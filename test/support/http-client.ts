/**
 * One request over real HTTP (fetch), for tests that talk to a listening server or process:
 * a string body is sent form-encoded, anything else as JSON; the answer's JSON is parsed.
 */
export async function httpCall(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const isForm = typeof body === 'string';
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': isForm ? 'application/x-www-form-urlencoded' : 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export const bearerHeader = (accessToken?: string): Record<string, string> => (accessToken ? { authorization: `Bearer ${accessToken}` } : {});
