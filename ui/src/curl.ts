// Copy as curl: the request a client would send for a definition and a
// test input. An endpoint's :parameters are filled from the input (and
// left out of the rest); the other fields go in the query of a GET or
// DELETE and in the JSON body otherwise. A function is called through
// /function/{name} with the admin token.

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export interface CurlTarget { kind?: string; name: string; method?: string; path?: string; auth?: unknown }

/** curlFor renders the curl command of def called with input; bearer is the Authorization token to send, if any; apiKey adds an X-Api-Key placeholder. */
export function curlFor(base: string, def: CurlTarget, input: Record<string, unknown>, bearer?: string, apiKey = false): string {
  const auth = bearer ? ` -H ${sq(`Authorization: Bearer ${bearer}`)}` : apiKey ? ` -H 'X-Api-Key: <api key>'` : '';
  if (def.kind !== 'endpoint') {
    return `curl -X POST ${sq(`${base}/function/${def.name}`)}${auth} -H 'Content-Type: application/json' -d ${sq(JSON.stringify(input))}`;
  }
  const m = (def.method || 'GET').toUpperCase();
  const rest: Record<string, unknown> = { ...input };
  const path = (def.path || '/').replace(/:([a-z][a-z0-9_]*)/g, (all, p: string) => {
    if (!(p in input)) return all;
    delete rest[p];
    return encodeURIComponent(text(input[p]));
  });
  if (m === 'GET' || m === 'DELETE' || m === 'HEAD') {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(rest)) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) v.forEach((x) => qs.append(k, text(x)));
      else qs.set(k, text(v));
    }
    const query = qs.toString();
    return `curl -X ${m} ${sq(base + path + (query ? `?${query}` : ''))}${auth}`;
  }
  return `curl -X ${m} ${sq(base + path)}${auth} -H 'Content-Type: application/json' -d ${sq(JSON.stringify(rest))}`;
}
