// End-to-end tests of the builder UI in real headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core) against a real
// `funcstack serve` (built from this repository, SQLite in a temporary
// data folder, an empty workspace, a free port). Screenshots go to
// ui/test/artifacts (or $ARTIFACTS). Prints the measured performance.
//
//   node ui/test/e2e.mjs            (make test-ui)
//   FUNCSTACK_BIN=path  use a built binary instead of go build
//   E2E_ONLY=name       run the scenarios whose name contains it
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const artifacts = resolve(process.env.ARTIFACTS || join(here, 'artifacts'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TOKEN = 'e2e-admin-token-' + Math.random().toString(36).slice(2);
const tmp = mkdtempSync(join(tmpdir(), 'funcstack-e2e-'));
mkdirSync(artifacts, { recursive: true });

const log = (...a) => console.log(...a);
function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
    s.on('error', rej);
  });
}

async function startServer() {
  let bin = process.env.FUNCSTACK_BIN;
  if (!bin) {
    bin = join(tmp, 'funcstack');
    log('building funcstack…');
    execFileSync('go', ['build', '-o', bin, './cmd/funcstack'], { cwd: repo, stdio: 'inherit' });
  }
  const ws = join(tmp, 'workspace');
  mkdirSync(ws);
  const port = await freePort();
  const proc = spawn(bin, ['serve', '--workspace', ws, '--data', join(tmp, 'data'), '--addr', `127.0.0.1:${port}`], {
    env: { ...process.env, FUNCSTACK_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr.on('data', (d) => (out += d));
  await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`funcstack serve did not start in 30s:\n${out}`)), 30000);
    proc.stdout.on('data', (d) => { out += d; if (/admin token/.test(out)) (clearTimeout(t), res()); });
    proc.on('exit', (c) => rej(new Error(`funcstack serve exited (${c}):\n${out}`)));
  });
  return { proc, base: `http://127.0.0.1:${port}`, output: () => out };
}

const server = await startServer();
// never leave the server behind, whatever ends this script
process.on('exit', () => {
  if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
process.on('uncaughtException', (e) => { console.error(e); process.exit(1); });
process.on('unhandledRejection', (e) => { console.error(e); process.exit(1); });
const { base } = server;
async function adminApi(method, path, body) {
  const r = await fetch(`${base}/_/api${path}`, { method, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const userData = join(tmp, 'chromium-profile');
const context = await chromium.launchPersistentContext(userData, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 900 },
});
context.setDefaultTimeout(10000);

// ---------- helpers that act like a user ----------
// view: the stack view to open definitions in ('forms', every step's form
// in the stack, or 'compact', one line per step with a side panel); the
// browser profile is shared, so every scenario says which it wants.
async function signIn(page, view = 'forms') {
  await page.goto(`${base}/_/`);
  await page.evaluate((v) => localStorage.setItem('funcstack.view', v), view);
  await page.getByLabel('Admin token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Workspace' }).waitFor();
}
const card = (page, path) => page.locator(`[data-path="${path}"]`);
const field = (page, path, name) => card(page, path).locator(`> .fields > [data-field="${name}"]`);
/** reveal shows an optional field that is still empty (its "+ name" chip). */
async function reveal(page, path, name) {
  const chip = card(page, path).locator(`> .more-fields [data-add-field="${name}"]`);
  if (await chip.count()) await chip.click();
  return field(page, path, name);
}

async function newDefinition(page, kind, name) {
  await page.getByRole('button', { name: `New ${kind}` }).click();
  await page.getByLabel(`New ${kind} name`).fill(name);
  await page.keyboard.press('Enter');
  await page.locator('.toolbar h1', { hasText: name }).waitFor();
}
async function addStep(page, listPath, type) {
  const btn = page.locator(`[data-list="${listPath}"] > .list-end .add-btn`);
  await btn.click();
  await page.getByLabel('Search step types').fill(type);
  await page.locator(`.palette [data-step-type="${type}"]`).click();
}
/** typeExpr types into an expression field like a person: click, type, leave. */
async function typeExpr(page, locator, text) {
  await locator.locator('.expr').first().click();
  const ed = locator.locator('.cm-content').first();
  await ed.waitFor();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text, { delay: 5 });
  await page.keyboard.press('Escape'); // closes completion and leaves the editor
  await page.waitForTimeout(30);
}
async function setText(page, locator, text) {
  await locator.locator('input').first().fill(text);
}
async function save(page) {
  await page.keyboard.press('Control+s');
  await page.locator('[data-testid="save-state"]', { hasNotText: 'unsaved' }).waitFor();
}
async function runWith(page, input) {
  const panel = page.getByRole('complementary', { name: 'Run and debug' });
  const toggle = page.getByRole('button', { name: 'Run & Debug' });
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await panel.getByLabel('Input (JSON)').fill(JSON.stringify(input));
  const before = await page.evaluate(() => document.querySelector('.run-panel .run-result')?.getAttribute('data-run') ?? null);
  await panel.getByRole('button', { name: 'Run', exact: true }).click();
  await page.waitForFunction((b) => { const r = document.querySelector('.run-panel .run-result'); return r && r.getAttribute('data-run') !== b; }, before);
  return panel;
}
function expect(cond, msg) { if (!cond) throw new Error(msg); }
/** shot saves a screenshot of page under the artifacts folder. */
const shot = (page, name) => page.screenshot({ path: join(artifacts, name) });
// axe on a page as it is now: serious and critical problems go to problems
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core'), 'utf8');
async function audit(page, where, problems) {
  await page.evaluate(axeSource); // evaluated, not injected: the UI's CSP refuses inline scripts
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of r.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${where}: ${v.id} (${v.help}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  }
}
const noProblems = (problems) => expect(problems.length === 0, `axe found:\n     ${problems.join('\n     ')}`);
/** canon is JSON with sorted keys, to compare documents. */
function canon(v) {
  return JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((key) => [key, x[key]])) : x));
}
async function expectText(locator, want, what) {
  try {
    await locator.filter({ hasText: want }).first().waitFor({ timeout: 5000 });
  } catch {
    const got = (await locator.allTextContents().catch(() => [])).join(' | ');
    throw new Error(`${what}: expected to see ${JSON.stringify(want)}, saw ${JSON.stringify(got.slice(0, 500))}`);
  }
}

// ---------- scenarios ----------
const scenarios = [];
const scenario = (name, fn) => scenarios.push({ name, fn });
const figures = [];

scenario('build sum_squares by clicking and typing, save, run with n=20 → 2870', async (page) => {
  await signIn(page);
  await newDefinition(page, 'function', 'sum_squares');
  // input n: int, required
  await page.getByRole('button', { name: '+ Add input' }).click();
  await page.getByLabel('input 1 name').fill('n');
  await page.getByLabel('input 1 type').selectOption('int');
  await page.locator('[data-input="0"]').getByLabel('required').check();
  // var total = 0
  await addStep(page, 'stack', 'var');
  await setText(page, field(page, 'stack[0]', 'name'), 'total');
  await typeExpr(page, field(page, 'stack[0]', 'value'), '0');
  // for i from 1 to input.n
  await addStep(page, 'stack', 'for');
  await typeExpr(page, await reveal(page, 'stack[1]', 'from'), '1');
  await typeExpr(page, await reveal(page, 'stack[1]', 'to'), 'input.n');
  await setText(page, field(page, 'stack[1]', 'as'), 'i');
  //   set total = total + i * i
  await addStep(page, 'stack[1].steps', 'set');
  await setText(page, field(page, 'stack[1].steps[0]', 'name'), 'total');
  await typeExpr(page, field(page, 'stack[1].steps[0]', 'value'), 'total + i * i');
  // response
  await typeExpr(page, page.locator('[aria-label="Response"]'), 'total');
  await expectText(page.locator('.badge.ok'), 'valid', 'validation badge');
  await save(page);
  const saved = await adminApi('GET', '/definitions/sum_squares');
  const want = { kind: 'function', name: 'sum_squares', input: [{ name: 'n', type: 'int', required: true }], stack: [
    { type: 'var', name: 'total', value: '0' },
    { type: 'for', from: '1', to: 'input.n', as: 'i', steps: [{ type: 'set', name: 'total', value: 'total + i * i' }] },
  ], response: 'total' };
  expect(canon(saved.content) === canon(want), `saved definition:\n${canon(saved.content)}\nwant\n${canon(want)}`);
  const panel = await runWith(page, { n: 20 });
  await expectText(panel.locator('[data-testid="run-output"]'), '2870', 'run output');
  await expectText(panel.locator('[data-testid="total-time"]'), 'total', 'total time');
  // per-step timing list, and clicking a step shows its result
  await panel.locator('[data-trace-path="stack[1].steps[0]"]').click();
  await expectText(panel.locator('[data-testid="step-result"]'), '2870', 'result of the last set');
  // copy as curl
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await panel.getByRole('button', { name: 'Copy as curl' }).click();
  await expectText(panel.getByRole('button', { name: 'Copied' }), 'Copied', 'copy button');
  const curl = await page.evaluate(() => navigator.clipboard.readText());
  expect(curl.includes(`curl -X POST '${base}/function/sum_squares'`) && curl.includes(`-d '{"n":20}'`) && curl.includes('Authorization: Bearer'), `curl: ${curl}`);
});

scenario('two async calls and an await: both outputs in order', async (page) => {
  await adminApi('POST', '/definitions', { kind: 'function', name: 'square', input: [{ name: 'x', type: 'int', required: true }], stack: [], response: '{x: input.x, square: input.x * input.x}' });
  await signIn(page);
  await newDefinition(page, 'function', 'fan_out');
  for (const [i, x] of [[0, '3'], [1, '4']]) {
    await addStep(page, 'stack', 'call');
    const p = `stack[${i}]`;
    await field(page, p, 'function').locator('select').selectOption('square');
    await expectText(field(page, p, 'function').locator('.callee'), 'x', 'callee inputs');
    await field(page, p, 'async').locator('.switch').click();
    await (await reveal(page, p, 'input')).getByRole('button', { name: '+ x' }).click();
    await typeExpr(page, field(page, p, 'input').locator('.kv-row').first(), x);
    await setText(page, await reveal(page, p, 'as'), `id${i + 1}`);
  }
  await addStep(page, 'stack', 'await');
  await typeExpr(page, field(page, 'stack[2]', 'ids'), '[id1, id2]');
  await setText(page, field(page, 'stack[2]', 'as'), 'outs');
  await typeExpr(page, page.locator('[aria-label="Response"]'), 'outs');
  await expectText(page.locator('.badge.ok'), 'valid', 'validation badge');
  await save(page);
  const panel = await runWith(page, {});
  const out = panel.locator('[data-testid="run-output"]');
  await expectText(out, 'square', 'await output');
  const text = (await out.textContent()).replace(/\s+/g, '');
  expect(text === '[{"square":9,"x":3},{"square":16,"x":4}]', `outputs in order: ${text}`);
});

scenario('an unknown variable is shown at its field before saving', async (page) => {
  await signIn(page);
  await newDefinition(page, 'function', 'typo');
  await addStep(page, 'stack', 'var');
  await setText(page, field(page, 'stack[0]', 'name'), 'total');
  await typeExpr(page, field(page, 'stack[0]', 'value'), '1');
  await addStep(page, 'stack', 'var');
  await setText(page, field(page, 'stack[1]', 'name'), 'twice');
  await typeExpr(page, field(page, 'stack[1]', 'value'), 'totl * 2');
  const diag = field(page, 'stack[1]', 'value').locator('.diags');
  await expectText(diag, 'unknown name totl', 'diagnostic at stack[1].value');
  expect(await field(page, 'stack[0]', 'value').locator('.diags').count() === 0, 'no error at stack[0].value');
  await expectText(page.locator('[data-testid="save-state"]'), 'unsaved', 'not saved yet');
  await page.screenshot({ path: join(artifacts, '3-unknown-variable.png') });
  // fixing it clears the error
  await typeExpr(page, field(page, 'stack[1]', 'value'), 'total * 2');
  await diag.waitFor({ state: 'detached' });
});

scenario('drag a step to a new place and the result changes', async (page) => {
  await adminApi('POST', '/definitions', { kind: 'function', name: 'order_matters', stack: [
    { type: 'var', name: 'x', value: '1' },
    { type: 'set', name: 'x', value: 'x * 10' },
    { type: 'set', name: 'x', value: 'x + 1' },
  ], response: 'x' });
  await signIn(page);
  await page.getByRole('link', { name: 'order_matters' }).click();
  let panel = await runWith(page, {});
  await expectText(panel.locator('[data-testid="run-output"]'), '11', 'before the move');
  // drag "x + 1" (stack[2]) above "x * 10" (stack[1])
  const handle = card(page, 'stack[2]').locator('.handle').first();
  const target = await card(page, 'stack[1]').boundingBox();
  const hb = await handle.boundingBox();
  await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
  await page.mouse.down();
  await page.mouse.move(hb.x + hb.width / 2, hb.y - 10, { steps: 5 });
  await page.mouse.move(hb.x + hb.width / 2, target.y + 6, { steps: 10 });
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(artifacts, '4-dragging.png') });
  await page.mouse.up();
  await expectText(field(page, 'stack[1]', 'value'), 'x + 1', 'moved step now second');
  panel = await runWith(page, {});
  await expectText(panel.locator('[data-testid="run-output"]'), '20', 'after the move');
  // undo puts it back
  await page.locator('.toolbar').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expectText(field(page, 'stack[1]', 'value'), 'x * 10', 'undo restores the order');
  // into a block: an if whose then-branch is empty; drag "x + 1" into it
  await addStep(page, 'stack', 'if');
  await typeExpr(page, field(page, 'stack[3]', 'cond'), 'x > 100');
  const h2 = null;
  await card(page, 'stack[2]').hover();
  await card(page, 'stack[3]').evaluate((e) => e.scrollIntoView({ block: 'center' })); // away from the auto-scroll edges
  const h2b = await card(page, 'stack[2]').locator('.handle').first().boundingBox();
  const then = await page.locator('[data-list="stack[3].then"] > .list-end').boundingBox();
  await page.mouse.move(h2b.x + h2b.width / 2, h2b.y + h2b.height / 2);
  await page.mouse.down();
  await page.mouse.move(h2b.x + 20, h2b.y + 20, { steps: 4 });
  await page.mouse.move(then.x + then.width / 2, then.y + then.height / 2, { steps: 12 });
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(artifacts, '4-into-block.png') });
  await page.mouse.up();
  void h2;
  await expectText(field(page, 'stack[2].then[0]', 'value'), 'x + 1', 'moved into the then block');
  panel = await runWith(page, {});
  await expectText(panel.locator('[data-testid="run-output"]'), '10', 'x + 1 no longer runs (10 is not > 100)');
  // and out again, to the end of the stack
  await card(page, 'stack[2].then[0]').hover();
  await card(page, 'stack[2]').evaluate((e) => e.scrollIntoView({ block: 'center' }));
  const h3 = await card(page, 'stack[2].then[0]').locator('.handle').first().boundingBox();
  const end = await page.locator('[data-list="stack"] > .list-end').boundingBox();
  await page.mouse.move(h3.x + h3.width / 2, h3.y + h3.height / 2);
  await page.mouse.down();
  await page.mouse.move(h3.x + 20, h3.y + 20, { steps: 4 });
  await page.mouse.move(end.x + end.width / 2, end.y + end.height / 2, { steps: 12 });
  await page.waitForTimeout(100);
  await page.mouse.up();
  await expectText(field(page, 'stack[3]', 'value'), 'x + 1', 'moved out to the end');
  panel = await runWith(page, {});
  await expectText(panel.locator('[data-testid="run-output"]'), '11', 'x + 1 runs last again');
  // the same with the keyboard: Alt+Up, Alt+Right into the if above, Alt+Left out again
  await card(page, 'stack[3]').locator('.handle').first().focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expectText(field(page, 'stack[2]', 'value'), 'x + 1', 'Alt+Up');
  await page.keyboard.press('Alt+ArrowDown');
  await expectText(field(page, 'stack[3]', 'value'), 'x + 1', 'Alt+Down');
  await page.keyboard.press('Alt+ArrowRight');
  await expectText(field(page, 'stack[2].then[0]', 'value'), 'x + 1', 'Alt+Right into the then block');
  await page.keyboard.press('Alt+ArrowLeft');
  await expectText(field(page, 'stack[3]', 'value'), 'x + 1', 'Alt+Left out of the block');
});

scenario('a failed execution shows the failing step in its trace', async (page) => {
  await adminApi('POST', '/definitions', { kind: 'function', name: 'divide', input: [{ name: 'by', type: 'int' }], stack: [
    { type: 'var', name: 'a', value: '10' },
    { type: 'precondition', cond: 'input.by != 0', message: "'cannot divide by zero'", status: 400 },
    { type: 'var', name: 'q', value: 'a / input.by' },
  ], response: 'q' });
  await signIn(page);
  await page.getByRole('link', { name: 'divide' }).click();
  await page.getByRole('button', { name: 'Publish' }).click(); // retry runs the published version
  await expectText(page.locator('.toast'), 'Published divide', 'published');
  const panel = await runWith(page, { by: 0 });
  await expectText(panel.locator('[data-testid="run-error"]'), 'cannot divide by zero', 'run error');
  await expect(await card(page, 'stack[1]').evaluate((e) => e.classList.contains('failed')), 'the failing card is marked');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
  await page.getByLabel('Status filter').selectOption('failed');
  await page.locator('tr[data-execution]', { hasText: 'divide' }).first().click();
  await page.locator('[data-testid="execution"]').waitFor();
  await expectText(page.locator('[data-testid="execution-error"]'), 'cannot divide by zero', 'execution error');
  const failed = page.locator('.trace-row.failed');
  await expectText(failed, 'stack[1]', 'failing step marked in the trace');
  expect(await failed.count() === 1, 'exactly one failing step');
  await failed.click();
  await page.screenshot({ path: join(artifacts, '5-failed-execution.png') });
  // retry: a new execution of the same function with the same input
  const first = await page.evaluate(() => location.hash);
  await page.getByRole('button', { name: 'Retry' }).click();
  await page.waitForFunction((h) => location.hash !== h && location.hash.startsWith('#/executions/'), first);
  await page.locator('[data-testid="execution"]').waitFor();
  // the list refreshes itself: a run started elsewhere shows up without a click
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
  await page.getByLabel('Function filter').selectOption('divide');
  const rows = page.locator('tr[data-execution]');
  await rows.first().waitFor();
  const before = await rows.count();
  await fetch(`${base}/function/divide`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{"by": 5}' });
  await page.waitForFunction((n) => document.querySelectorAll('tr[data-execution]').length > n, before, { timeout: 8000 });
});

scenario('performance: a 500-step stack opens fast and typing stays fast', async (page) => {
  const stack = [{ type: 'var', name: 'acc', value: '0' }];
  for (let i = 1; i < 500; i++) stack.push(i % 50 === 0
    ? { type: 'if', cond: `acc > ${i}`, then: [{ type: 'set', name: 'acc', value: 'acc - 1' }], else: [{ type: 'set', name: 'acc', value: 'acc + 1' }] }
    : { type: 'set', name: 'acc', value: `acc + ${i}` });
  await adminApi('POST', '/definitions', { kind: 'function', name: 'big_stack', stack, response: 'acc' });
  await signIn(page);
  // measured inside the page (no test-driver round trips): from the click on
  // the sidebar link to all 500 cards in the DOM and painted, then to the
  // last card's expression field focused as an editor (what Tab or a click does)
  const open = async () => {
    await page.evaluate(() => { location.hash = '#/'; });
    await page.locator('.home').waitFor();
    // the sidebar lists definitions as their request answers: wait for this one
    await page.locator('.sidebar a').filter({ hasText: /^\s*big_stack\s*$/ }).waitFor();
    return page.evaluate(() => new Promise((resolve, reject) => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const until = async (f) => { for (let i = 0; i < 1000; i++) { const v = f(); if (v) return v; await new Promise((r) => setTimeout(r, 2)); } throw new Error('timed out'); };
      const link = [...document.querySelectorAll('.sidebar a')].find((a) => a.textContent.trim() === 'big_stack');
      const t0 = performance.now();
      link.click();
      (async () => {
        const last = await until(() => document.querySelector('[data-path="stack[499]"]'));
        await frame();
        const ms = performance.now() - t0;
        const f = last.querySelector(':scope > .fields > [data-field="value"] .expr');
        f.scrollIntoView({ block: 'center' });
        f.focus();
        await until(() => last.querySelector('.cm-content') === document.activeElement);
        await frame();
        resolve({ ms, clickMs: performance.now() - t0 - ms });
      })().catch(reject);
    }));
  };
  await open(); // warm (code and catalogue cached as a returning user has them)
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await open());
  const openMs = runs.map((r) => r.ms).sort((a, b) => a - b)[2];
  const all = runs.map((r) => r.ms + r.clickMs).sort((a, b) => a - b);
  const interactive = all[2];
  figures.push(`500-step stack: all 500 cards rendered in ${openMs.toFixed(0)} ms, interactive (the last card's field focused and editing) in ${interactive.toFixed(0)} ms (median of 5, range ${all[0].toFixed(0)}–${all[4].toFixed(0)} ms; limit 1000 ms)`);
  expect(interactive < 1000, `a 500-step stack took ${interactive.toFixed(0)} ms to open and become interactive`);
  // typing: time from keydown to the next frame after it, per keystroke.
  // The machine may be shared (CI, other jobs): a round whose p95 misses
  // the limit is repeated, up to 3 rounds, and every round is printed.
  await page.keyboard.press('End');
  await page.evaluate(() => {
    window.__lat = [];
    document.addEventListener('keydown', () => {
      const t = performance.now();
      requestAnimationFrame(() => setTimeout(() => window.__lat.push(performance.now() - t), 0));
    }, true);
  });
  let typed = '';
  let best = Infinity;
  for (let round = 1; round <= 3 && best >= 50; round++) {
    await page.evaluate(() => { window.__lat = []; });
    // three bursts, with pauses in which validation runs and answers
    for (const [text, pause] of [[' + 1 + acc * 2 + 3', 600], [' - 4 * acc + 55 * 2', 600], [' + len([1, 2, 3])', 300]]) {
      await page.keyboard.type(text, { delay: 40 });
      typed += text;
      await page.waitForTimeout(pause);
    }
    const lat = await page.evaluate(() => window.__lat);
    lat.sort((a, b) => a - b);
    const p50 = lat[Math.floor(lat.length / 2)], p95 = lat[Math.floor(lat.length * 0.95)], max = lat[lat.length - 1];
    best = Math.min(best, p95);
    figures.push(`typing in an expression field of the 500-step stack (round ${round}): ${lat.length} keystrokes, median ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms per keystroke (limit 50 ms at p95)`);
  }
  expect(best < 50, `typing took ${best.toFixed(1)} ms per keystroke (p95, best of 3 rounds)`);
  const shown = (await field(page, 'stack[499]', 'value').locator('.cm-content').textContent()) ?? '';
  expect(shown.endsWith(typed), `typed text: ${JSON.stringify(shown.slice(-80))}`);
  await page.screenshot({ path: join(artifacts, '6-500-steps.png') });
});

scenario('completion, duplicate, disable, rename, delete, unsaved guard, import and export', async (page) => {
  await adminApi('POST', '/definitions', { kind: 'function', name: 'counter', stack: [{ type: 'var', name: 'total', value: '1' }], response: 'total' });
  await adminApi('PUT', '/definitions/counter', { kind: 'function', name: 'counter', stack: [{ type: 'var', name: 'total', value: '2' }], response: 'total' });
  await signIn(page);
  await page.getByRole('link', { name: 'counter' }).click();
  // completion offers the names in scope
  await addStep(page, 'stack', 'var');
  await setText(page, field(page, 'stack[1]', 'name'), 'twice');
  await field(page, 'stack[1]', 'value').locator('.expr').click();
  await page.keyboard.type('tot');
  await expectText(page.locator('.cm-tooltip-autocomplete li'), 'total', 'completion');
  await page.waitForTimeout(150); // CodeMirror ignores Enter in the first 75 ms of a completion list
  await page.keyboard.press('Enter');
  await page.keyboard.type(' * 2');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expectText(field(page, 'stack[1]', 'value'), 'total * 2', 'completed text');
  // duplicate, then disable the copy
  await card(page, 'stack[1]').hover();
  await card(page, 'stack[1]').getByRole('button', { name: 'Duplicate step' }).click();
  await card(page, 'stack[2]').waitFor();
  await card(page, 'stack[2]').hover();
  await card(page, 'stack[2]').getByRole('button', { name: 'Disable step' }).click();
  expect(await card(page, 'stack[2]').evaluate((e) => e.classList.contains('disabled')), 'the copy is disabled');
  await typeExpr(page, page.locator('[aria-label="Response"]'), 'twice');
  // the unsaved-changes guard asks before leaving
  let asked = '';
  page.onDialog = (d) => { asked = d.message(); page.onDialog = null; return d.dismiss(); };
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
  await page.waitForTimeout(200);
  expect(/unsaved/.test(asked), `leaving with unsaved changes asked: ${JSON.stringify(asked)}`);
  await expectText(page.locator('[data-testid="save-state"]'), 'unsaved', 'still in the editor');
  await save(page);
  const saved = await adminApi('GET', '/definitions/counter');
  expect(saved.content.stack[2].disabled === true && saved.content.stack.length === 3, `saved: ${JSON.stringify(saved.content.stack)}`);
  // rename and delete from the sidebar
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Builder' }).click();
  await page.locator('.sidebar li', { hasText: 'counter' }).hover();
  await page.getByRole('button', { name: 'Rename counter' }).click();
  await page.getByLabel('Rename counter to').fill('tally');
  await page.keyboard.press('Enter');
  await page.getByRole('link', { name: 'tally' }).waitFor();
  await page.locator('.sidebar li', { hasText: 'tally' }).hover();
  await page.getByRole('button', { name: 'Delete tally' }).click();
  await page.getByRole('link', { name: 'tally' }).waitFor({ state: 'detached' });
  // export and import
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import / Export' }).click();
  // the export is what is published; with drafts, the newest versions
  await adminApi('POST', '/definitions', { kind: 'function', name: 'draft_only', stack: [], response: '1' });
  const exported = async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export workspace' }).click()]);
    expect(/funcstack-workspace-.*\.json/.test(download.suggestedFilename()), `export file ${download.suggestedFilename()}`);
    return JSON.parse(readFileSync(await download.path(), 'utf8')).definitions.map((d) => d.name);
  };
  expect(!(await exported()).includes('draft_only'), 'the default export leaves the draft out');
  await page.getByLabel('include drafts').check();
  expect((await exported()).includes('draft_only'), 'the export with drafts has the draft');
  await page.getByLabel('Definitions JSON').fill(JSON.stringify({ definitions: [{ kind: 'function', name: 'imported_one', stack: [], response: '42' }] }));
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expectText(page.locator('.alert.ok'), 'created: imported_one', 'import result');
  await page.getByRole('link', { name: 'imported_one' }).waitFor();
});

scenario('bad input names its failing fields; a route that cannot be served says why', async (page) => {
  await adminApi('POST', '/definitions?publish=true', { kind: 'function', name: 'needs_n', input: [{ name: 'n', type: 'int', required: true, min: 0 }], stack: [], response: 'input.n' });
  await adminApi('POST', '/definitions?publish=true', { kind: 'endpoint', name: 'ep_moved', method: 'GET', path: '/api/moved', stack: [], response: '1' });
  await signIn(page);
  await page.getByRole('link', { name: 'needs_n' }).click();
  const panel = await runWith(page, { n: -5 });
  await expectText(panel.locator('[data-testid="field-errors"]'), 'n: must be at least 0', 'the failing field of a run');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
  await page.locator('tr[data-execution]', { hasText: 'needs_n' }).first().click();
  await expectText(page.locator('[data-testid="field-errors"]'), 'n: must be at least 0', 'the failing field of an execution');
  await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'ep_moved' }).click();
  await page.getByLabel('path').fill('/_/moved');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expectText(page.locator('.toast'), 'reserved for funcstack', 'why the endpoint was not published');
});

scenario('input constraints: min, max, default and values are edited, saved, and enforced on runs', async (page) => {
  await signIn(page);
  await newDefinition(page, 'function', 'pick_size');
  const row = (i) => page.locator(`[data-input="${i}"]`);
  // n: int from 1 to 10, 5 when missing
  await page.getByRole('button', { name: '+ Add input' }).click();
  await page.getByLabel('input 1 name').fill('n');
  // the input types and what min and max bound are the server's catalogue (GET /_/api/types)
  const types = (await page.getByLabel('input 1 type').locator('option').allTextContents()).join(' ');
  expect(types === 'text int decimal bool timestamp json uuid email object file', `the input types: ${types}`);
  await page.getByLabel('input 1 type').selectOption('int');
  const help = await page.locator('label', { has: page.getByLabel('input 1 min') }).getAttribute('title');
  expect(help === 'least: text: the number of characters · int and decimal: the value · file: the size in bytes · list: the number of items', `min's help: ${help}`);
  await page.getByLabel('input 1 min').fill('1');
  await page.getByLabel('input 1 max').fill('10');
  // a default that does not fit is the server's diagnostic, at the row
  await page.getByLabel('input 1 default').fill('many');
  await expectText(row(0).locator('.diags'), 'default does not fit the field', 'diagnostic of a bad default');
  expect(await page.getByLabel('input 1 default').getAttribute('aria-invalid') === 'true', 'the bad default is marked');
  await page.getByLabel('input 1 default').fill('5');
  await row(0).locator('.diags').waitFor({ state: 'detached' });
  // size: one of small, medium, large; medium when missing
  await page.getByRole('button', { name: '+ Add input' }).click();
  await page.getByLabel('input 2 name').fill('size');
  await page.getByLabel('input 2 values').pressSequentially('small, medium, large', { delay: 5 });
  await page.getByLabel('input 2 default').fill('medium');
  // values on an int do nothing: the server warns
  await page.getByLabel('input 1 values').fill('1, 2');
  await expectText(row(0).locator('.diags'), 'values has no effect on an int input', 'warning of values on an int');
  await page.getByLabel('input 1 values').fill('');
  await row(0).locator('.diags').waitFor({ state: 'detached' });
  await typeExpr(page, page.locator('[aria-label="Response"]'), '{n: input.n, size: input.size}');
  await expectText(page.locator('.badge.ok'), 'valid', 'validation badge');
  await page.screenshot({ path: join(artifacts, '9-input-constraints.png') });
  await save(page);
  const saved = await adminApi('GET', '/definitions/pick_size');
  const want = { kind: 'function', name: 'pick_size', input: [
    { name: 'n', type: 'int', min: 1, max: 10, default: 5 },
    { name: 'size', type: 'text', default: 'medium', values: ['small', 'medium', 'large'] },
  ], stack: [], response: '{n: input.n, size: input.size}' };
  expect(canon(saved.content) === canon(want), `saved definition:\n${canon(saved.content)}\nwant\n${canon(want)}`);
  // opened again, the controls show what was saved
  await page.reload();
  await page.getByLabel('input 1 min').waitFor();
  const shown = await Promise.all(['input 1 min', 'input 1 max', 'input 1 default', 'input 2 default', 'input 2 values'].map((l) => page.getByLabel(l).inputValue()));
  expect(canon(shown) === canon(['1', '10', '5', 'medium', 'small, medium, large']), `controls after reload: ${canon(shown)}`);
  // runs: the defaults fill what is missing; out of range and unknown values are refused, naming the fields
  let panel = await runWith(page, {});
  await expectText(panel.locator('[data-testid="run-output"]'), 'medium', 'output with the defaults');
  const out = (await panel.locator('[data-testid="run-output"]').textContent()).replace(/\s+/g, '');
  expect(out === '{"n":5,"size":"medium"}', `output with the defaults: ${out}`);
  panel = await runWith(page, { n: 11, size: 'huge' });
  await expectText(panel.locator('[data-testid="field-errors"]'), 'n: must be at most 10', 'the out-of-range field of a run');
  await expectText(panel.locator('[data-testid="field-errors"]'), 'size: must be one of small, medium, large', 'the unknown value of a run');
  // over HTTP, once published: 400 naming the fields
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expectText(page.locator('.toast'), 'Published pick_size', 'publish');
  const r = await fetch(`${base}/function/pick_size`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ n: 0 }) });
  const body = await r.json();
  const fields = (body.error?.fields ?? []).map((f) => `${f.field}: ${f.message}`).join('; ');
  expect(r.status === 400 && body.error?.code === 'invalid_input' && fields === 'n: must be at least 1', `POST /function/pick_size {"n": 0}: ${r.status} ${JSON.stringify(body)}`);
  const ok = await fetch(`${base}/function/pick_size`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ size: 'large' }) });
  const okBody = await ok.json();
  expect(ok.status === 200 && canon(okBody) === canon({ n: 5, size: 'large' }), `POST /function/pick_size {"size": "large"}: ${ok.status} ${JSON.stringify(okBody)}`);
});

scenario('accessibility: axe finds no serious or critical problem on any page', async (page) => {
  const problems = [];
  await adminApi('POST', '/definitions', { kind: 'function', name: 'a11y', input: [{ name: 'n', type: 'int' }], stack: [
    { type: 'var', name: 'total', value: '0' },
    { type: 'try', steps: [{ type: 'throw', message: "'x'" }], catch: [{ type: 'set', name: 'total', value: 'input.n' }] },
    { type: 'switch', value: 'input.n', cases: [{ match: '1', steps: [{ type: 'set', name: 'total', value: '2' }] }], default: [] },
  ], response: 'total' });
  await page.goto(`${base}/_/`);
  await page.evaluate(() => localStorage.setItem('funcstack.view', 'forms')); // the forms view, whatever ran before
  await page.getByLabel('Admin token').waitFor();
  await audit(page, 'sign-in', problems);
  await page.getByLabel('Admin token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.home').waitFor();
  await audit(page, 'home', problems);
  await page.getByRole('link', { name: 'a11y' }).click();
  await runWith(page, { n: 1 });
  await addStep(page, 'stack', 'var');
  await typeExpr(page, field(page, 'stack[3]', 'value'), 'nope + 1');
  await field(page, 'stack[3]', 'value').locator('.diags').waitFor();
  await audit(page, 'editor with a run and an error', problems);
  await page.locator('[data-list="stack"] > .list-end .add-btn').click();
  await page.getByLabel('Search step types').waitFor();
  await audit(page, 'step palette', problems);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Versions' }).click();
  await page.getByRole('complementary', { name: 'Versions' }).locator('[data-version]').first().waitFor();
  await audit(page, 'versions', problems);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
  await page.locator('tr[data-execution]').first().click();
  await page.locator('[data-testid="execution"]').waitFor();
  await audit(page, 'execution', problems);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
  await page.locator('tr[data-execution]').first().waitFor();
  await audit(page, 'executions', problems);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import / Export' }).click();
  await audit(page, 'import and export', problems);
  await adminApi('POST', '/definitions', { kind: 'table', name: 'a11y_table', fields: [{ name: 'title', type: 'text' }] });
  await adminApi('POST', '/definitions/a11y_table/publish', {});
  await adminApi('POST', '/tables/a11y_table/records', { title: 'one' });
  await page.evaluate(() => { location.hash = '#/def/a11y_table'; }); // made elsewhere: the sidebar catches up
  await page.locator('.records-grid td', { hasText: 'one' }).waitFor();
  await page.getByRole('link', { name: 'a11y_table' }).waitFor();
  await audit(page, 'table records', problems);
  await page.getByRole('tab', { name: 'Schema' }).click();
  await page.getByLabel('column 1 name').waitFor();
  await audit(page, 'table schema', problems);
  noProblems(problems);
});

// the data pages' scenarios (tables, versions, executions): scenarios-data.mjs
(await import('./scenarios-data.mjs')).register({ scenario, base, TOKEN, adminApi, signIn, expect, expectText, canon, artifacts, context, runWith, shot, audit, noProblems });
// the builder's compact stack, inspector, expression help, layout: scenarios-builder.mjs
(await import('./scenarios-builder.mjs')).register({ scenario, base, TOKEN, adminApi, signIn, expect, expectText, canon, artifacts, context, runWith, figures, repo, shot, audit, noProblems });
// publish with dependencies, renames, endpoint authoring, API keys: scenarios-flows.mjs
(await import('./scenarios-flows.mjs')).register({ scenario, base, TOKEN, adminApi, signIn, expect, expectText, canon, artifacts, context, runWith, shot, audit, noProblems });
// template fields: completion and diagnostics inside {{ }} parts: scenarios-template.mjs
(await import('./scenarios-template.mjs')).register({ scenario, adminApi, signIn, expect, expectText, runWith, shot, audit, noProblems });

// ---------- run ----------
const only = process.env.E2E_ONLY;
let failed = 0, ran = 0;
const started = Date.now();
for (const [i, s] of scenarios.entries()) {
  if (only && !s.name.includes(only)) continue;
  ran++;
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/Failed to load resource/.test(m.text()) && errors.push(m.text()));
  page.on('dialog', (d) => (page.onDialog ? page.onDialog(d) : d.accept()));
  const t = Date.now();
  try {
    await s.fn(page);
    if (errors.length) throw new Error(`errors in the page: ${errors.join('; ')}`);
    log(`ok   ${i + 1}. ${s.name} (${Date.now() - t} ms)`);
  } catch (e) {
    failed++;
    log(`FAIL ${i + 1}. ${s.name}\n     ${String(e.stack || e).split('\n').slice(0, 4).join('\n     ')}`);
  }
  await page.screenshot({ path: join(artifacts, `${i + 1}-${s.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`), fullPage: false }).catch(() => {});
  await page.evaluate(() => sessionStorage.clear()).catch(() => {});
  await page.close();
}
for (const f of figures) log(`perf: ${f}`);
log(`${failed ? 'FAIL' : 'PASS'}: ${ran - failed}/${ran} UI scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${artifacts}`);
await context.close();
server.proc.kill('SIGTERM');
await new Promise((r) => (server.proc.exitCode !== null ? r() : server.proc.once('exit', r)));
rmSync(tmp, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
