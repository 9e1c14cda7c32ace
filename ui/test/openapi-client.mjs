// The OpenAPI document is complete enough to generate a working client:
// this serves the example workspace (workflows/) with a real
// `funcstack serve`, generates TypeScript types from its /openapi.json
// with openapi-typescript (a real generator, from the npm registry),
// type-checks a small program that calls the shop through openapi-fetch
// against those types with tsc, then runs it against the server.
//
//   node ui/test/openapi-client.mjs      (make test-ui runs it)
//   FUNCSTACK_BIN=path  use a built binary instead of go build
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { startServer } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
// Inside ui/ so that the program finds openapi-fetch in ui/node_modules.
const gen = join(here, '.gen');
rmSync(gen, { recursive: true, force: true });
mkdirSync(gen, { recursive: true });

const server = await startServer({ workspace: join(repo, 'workflows') });
try {
  const doc = await (await fetch(server.base + '/openapi.json')).json();
  writeFileSync(join(gen, 'shop.ts'), astToString(await openapiTS(doc)));

  // The program: every call is typed by the generated paths; a wrong
  // field name or type would fail tsc below.
  writeFileSync(join(gen, 'main.ts'), `
import createClient from 'openapi-fetch';
import type { paths } from './shop';

const client = createClient<paths>({ baseUrl: ${JSON.stringify(server.base)} });
const out: Record<string, unknown> = {};

const sq = await client.GET('/api/sum-squares/{n}', { params: { path: { n: 20 } } });
if (!sq.data) throw new Error('sum-squares: ' + JSON.stringify(sq.error));
const total: number = sq.data.total;
const label: 'big' | 'small' = sq.data.label;
out.sumSquares = { total, label };

const fn = await client.POST("/function/collatz", { body: { n: 6 } });
if (!fn.data) throw new Error('function: ' + JSON.stringify(fn.error));
out.function = fn.data.steps;

const queued = await client.POST('/async-function/collatz', { body: { n: 7 } });
if (!queued.data) throw new Error('async-function: ' + JSON.stringify(queued.error));
const statusURL: string = queued.data.status_url;
out.queued = statusURL === '/_/api/executions/' + queued.data.id;

const signup = await client.POST('/api/signup', { body: { email: 'client@example.com', password: 'correct horse' } });
if (!signup.data) throw new Error('signup: ' + JSON.stringify(signup.error));
const email: string = signup.data.user.email;
const token: string = signup.data.token;
out.signup = { email, token: token.split('.').length };

const again = await client.POST('/api/signup', { body: { email: 'client@example.com', password: 'correct horse' } });
const code: string | undefined = again.error?.error.code;
out.conflict = { status: again.response.status, code };

const me = await client.GET('/api/me', { headers: { Authorization: 'Bearer ' + token } });
if (!me.data) throw new Error('me: ' + JSON.stringify(me.error));
const created: string = me.data.created_at; // RFC 3339 text, as funcstack writes timestamps
out.me = { id: me.data.id, email: me.data.email, created: !Number.isNaN(Date.parse(created)) };

const low = await client.GET('/api/products/low-stock', { params: { query: { below: 100 } } });
out.lowStock = low.response.status;

console.log(JSON.stringify(out));
`);
  // Type-check with the project's TypeScript.
  const tsc = join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext',
      '--moduleResolution', 'bundler', '--skipLibCheck', join(gen, 'main.ts')], { cwd: gen, encoding: 'utf8' });
  } catch (e) {
    throw new Error('the generated client does not type-check:\n' + e.stdout + e.stderr);
  }
  for (const f of ['shop', 'main']) {
    const js = ts.transpileModule(readFileSync(join(gen, f + '.ts'), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    writeFileSync(join(gen, f + '.mjs'), js.replace("from './shop'", "from './shop.mjs'"));
  }
  const ran = execFileSync(process.execPath, [join(gen, 'main.mjs')], { encoding: 'utf8' });
  const got = JSON.parse(ran);
  assert.deepEqual(got, {
    sumSquares: { total: 2870, label: 'big' },
    function: 8,
    queued: true,
    signup: { email: 'client@example.com', token: 3 },
    conflict: { status: 409, code: 'email_taken' },
    me: { id: 1, email: 'client@example.com', created: true },
    lowStock: 200,
  });
  console.log('openapi-client: generated, type-checked and called the example shop:', ran.trim());
} finally {
  server.stop();
  rmSync(gen, { recursive: true, force: true });
}
