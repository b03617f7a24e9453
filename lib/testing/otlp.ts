import type { FixtureRequest } from "./fixtures";

/** Posts a captured request unchanged (body, content type and encoding) to a receiver. */
export function postFixture(baseUrl: string, token: string, f: FixtureRequest): Promise<Response> {
  const headers: Record<string, string> = { "content-type": f.contentType, authorization: `Bearer ${token}` };
  if (f.contentEncoding) headers["content-encoding"] = f.contentEncoding;
  return fetch(`${baseUrl}/api/otlp/v1/${f.signal}`, { method: "POST", headers, body: new Uint8Array(f.body()) });
}
