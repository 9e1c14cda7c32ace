// End-to-end scenarios of the cross-definition flows (publish with
// dependencies, rename updating callers), endpoint authoring and API
// keys, registered into e2e.mjs: node ui/test/e2e.mjs; E2E_ONLY=flows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** register adds this file's scenarios with e2e.mjs's helpers (ctx). */
export function register(ctx) {
  const { scenario, base, adminApi, signIn, expect, expectText, canon, artifacts, context, shot, audit, noProblems } = ctx;
  const openDef = async (page, name) => {
    await page.evaluate((n) => { location.hash = `#/def/${n}`; }, name); // made through the API: the sidebar catches up
    await page.locator('.toolbar h1', { hasText: name }).waitFor();
  };

  scenario('flows: publish an endpoint with a draft dependency in one action; the endpoint answers', async (page) => {
    await adminApi('POST', '/definitions', { kind: 'table', name: 'flow_note', fields: [{ name: 'label', type: 'text' }] });
    await adminApi('POST', '/definitions', { kind: 'function', name: 'flow_greet', input: [{ name: 'who', type: 'text' }],
      stack: [{ type: 'db.query', table: 'flow_note', as: 'rows' }], response: "'Hello, ' + input.who" });
    await adminApi('POST', '/definitions', { kind: 'endpoint', name: 'flow_hello', method: 'GET', path: '/flow/hello/:who',
      input: [{ name: 'who', type: 'text' }], stack: [{ type: 'call', function: 'flow_greet', input: { who: 'input.who' }, as: 'text' }], response: 'text' });
    await signIn(page, 'compact');
    await openDef(page, 'flow_hello');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const ask = page.getByRole('alertdialog', { name: 'Publish with the drafts it needs?' });
    await expectText(ask, 'flow_hello needs 2 drafts that are not live.', 'the question');
    await expectText(ask.locator('[data-dependency="flow_greet"]'), 'flow_hello calls flow_greet, which has never been published', 'the function, in words');
    await expectText(ask.locator('[data-dependency="flow_note"]'), 'flow_greet uses the table flow_note, which has never been published', 'the table, in words');
    const text = await ask.textContent();
    expect(!/unknown function|with_dependencies|"force"/.test(text), `API words in the question: ${text}`);
    await shot(page, 'item5-publish-with-dependencies.png');
    const problems = [];
    await audit(page, 'the publish question', problems);
    const before = await fetch(`${base}/flow/hello/ann`);
    expect(before.status === 404, `before: ${before.status}`);
    await ask.getByRole('button', { name: 'Publish all 3' }).click();
    await expectText(page.locator('.toast'), 'Published flow_hello v1 with flow_greet, flow_note', 'published together');
    await expectText(page.locator('[data-testid="save-state"]'), 'live', 'live');
    const r = await fetch(`${base}/flow/hello/ann`);
    const body = await r.json();
    expect(r.status === 200 && body === 'Hello, ann', `GET /flow/hello/ann: ${r.status} ${JSON.stringify(body)}`);
    const defs = (await adminApi('GET', '/definitions')).items.filter((d) => d.name.startsWith('flow_'));
    expect(defs.every((d) => d.published === 1), `published: ${JSON.stringify(defs)}`);
    noProblems(problems);
  });

  scenario('flows: rename a called function shows its callers, then updates them; the endpoint still answers', async (page) => {
    await adminApi('POST', '/definitions?publish=true', { kind: 'function', name: 'flow_shout', input: [{ name: 'who', type: 'text' }], response: "upper(input.who)" });
    await adminApi('POST', '/definitions?publish=true', { kind: 'endpoint', name: 'flow_loud', method: 'GET', path: '/flow/loud/:who',
      input: [{ name: 'who', type: 'text' }], stack: [{ type: 'call', function: 'flow_shout', input: { who: 'input.who' }, as: 'text' }], response: 'text' });
    await signIn(page, 'compact');
    await page.getByRole('link', { name: 'flow_shout' }).hover();
    await page.getByRole('button', { name: 'Rename flow_shout' }).click();
    await page.getByLabel('Rename flow_shout to').fill('flow_yell');
    await page.keyboard.press('Enter');
    const ask = page.getByRole('alertdialog', { name: 'Rename flow_shout and update its callers?' });
    await expectText(ask, 'flow_shout is used by one definition. Renaming it to flow_yell updates it too', 'the question');
    await expectText(ask.locator('[data-caller="flow_loud"]'), 'flow_loud', 'the caller');
    const text = await ask.textContent();
    expect(!/force|update_callers|"to"/.test(text), `API words in the question: ${text}`);
    await shot(page, 'item5-rename-shows-callers.png');
    const problems = [];
    await audit(page, 'the rename question', problems);
    await ask.getByRole('button', { name: 'Rename and update 1 definition' }).click();
    await expectText(page.locator('.toast'), 'Renamed flow_shout to flow_yell; updated flow_loud', 'renamed');
    await page.getByRole('link', { name: 'flow_yell' }).waitFor();
    const loud = await adminApi('GET', '/definitions/flow_loud');
    expect(loud.version === 2 && loud.published === 2 && loud.content.stack[0].function === 'flow_yell', `flow_loud: ${JSON.stringify(loud)}`);
    const r = await fetch(`${base}/flow/loud/ann`);
    const body = await r.json();
    expect(r.status === 200 && body === 'ANN', `GET /flow/loud/ann: ${r.status} ${JSON.stringify(body)}`);
    noProblems(problems);
  });

  scenario('flows: a new endpoint gets its path from its name; :who becomes an input; a named test input survives a reload; curl fills it; a JWT endpoint mints a token', async (page) => {
    await signIn(page, 'compact');
    await page.getByRole('button', { name: 'New endpoint' }).click();
    await page.getByLabel('New endpoint name').fill('api_greeting');
    await page.keyboard.press('Enter');
    await page.locator('.toolbar h1', { hasText: 'api_greeting' }).waitFor();
    const path = page.getByLabel('path', { exact: true });
    expect(await path.inputValue() === '/api/greeting', `default path: ${await path.inputValue()}`);
    await path.fill('/api/greeting/:who');
    await expectText(page.locator('.settings .hint'), 'path parameters become inputs: input.who', 'the hint');
    await page.locator('[data-testid="save-state"]', { hasText: 'unsaved' }).waitFor();
    await page.keyboard.press('Control+s');
    await page.locator('[data-testid="save-state"]', { hasNotText: 'unsaved' }).waitFor();
    const saved = await adminApi('GET', '/definitions/api_greeting');
    expect(canon(saved.content.input) === canon([{ name: 'who', type: 'text', required: true }]), `inputs: ${JSON.stringify(saved.content.input)}`);
    // Copy as curl fills :who and puts the rest in the query
    const panel = page.getByRole('complementary', { name: 'Run and debug' });
    if (!(await panel.count())) await page.getByRole('button', { name: 'Run & Debug' }).click();
    await panel.getByLabel('Input (JSON)').fill(JSON.stringify({ who: 'ann lee', lang: 'en' }));
    // a named test input is kept on the server: it survives a reload (and is anyone's)
    await panel.getByRole('button', { name: 'Save as…' }).click();
    await panel.getByLabel('Test input name').fill('ann in english');
    await panel.getByRole('button', { name: 'Save input' }).click();
    await panel.getByLabel('Test input', { exact: true }).locator('option', { hasText: 'ann in english' }).waitFor({ state: 'attached' });
    const kept = await adminApi('GET', '/definitions/api_greeting/test-inputs');
    expect(canon(kept.items.map((t) => [t.name, t.input])) === canon([['ann in english', { who: 'ann lee', lang: 'en' }]]), `test inputs: ${JSON.stringify(kept)}`);
    await page.evaluate(() => sessionStorage.removeItem('funcstack.input.api_greeting'));
    await page.reload();
    await page.locator('.toolbar h1', { hasText: 'api_greeting' }).waitFor();
    await panel.getByLabel('Test input', { exact: true }).selectOption('ann in english');
    expect(JSON.parse(await panel.getByLabel('Input (JSON)').inputValue()).who === 'ann lee', 'the chosen test input fills the input');
    await page.getByRole('region', { name: 'Access and limits' }).locator('summary').click();
    await page.getByRole('group', { name: 'auth' }).getByLabel('jwt').check();
    await panel.getByRole('button', { name: 'Mint a test token' }).click();
    await panel.getByTestId('test-token').waitFor();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await panel.getByRole('button', { name: 'Copy as curl' }).click();
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    const m = curl.match(/^curl -X GET '([^']+)' -H 'Authorization: Bearer ([^']+)'$/);
    expect(m && m[1] === `${base}/api/greeting/ann%20lee?lang=en`, `curl: ${curl}`);
    await shot(page, 'item6-endpoint-authoring-curl.png');
    // the minted token is accepted by the published endpoint
    await page.locator('[aria-label="Response"] .expr').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('string(auth.sub) + " greets " + input.who', { delay: 2 });
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expectText(page.locator('.toast'), 'Published api_greeting', 'published');
    const r = await fetch(`${base}/api/greeting/ann%20lee`, { headers: { Authorization: `Bearer ${m[2]}` } });
    const body = await r.json();
    expect(r.status === 200 && body === '1 greets ann lee', `GET with the minted token: ${r.status} ${JSON.stringify(body)}`);
  });

  scenario('flows: auth, cors and rate_limit from their schemas; the keys page creates a key shown once, an api_key endpoint answers it, revoked it gets 401', async (page) => {
    await adminApi('POST', '/definitions?publish=true', { kind: 'endpoint', name: 'flow_keyed', method: 'GET', path: '/flow/keyed', response: "'secret stuff'" });
    await signIn(page, 'compact');
    // auth, cors and rate_limit through the form made from their schemas
    await openDef(page, 'flow_keyed');
    const access = page.getByRole('region', { name: 'Access and limits' });
    await access.locator('summary').click();
    await access.getByRole('group', { name: 'auth' }).getByLabel('api_key').check();
    await access.getByLabel('cors origins').fill('https://app.example.com, https://*.example.com');
    await access.getByLabel('rate_limit limit').fill('100');
    await expectText(access.locator('[data-def-field="rate_limit"] .hint.bad'), 'rate_limit also needs window', 'a required part');
    await access.getByLabel('rate_limit window').fill('1m');
    await shot(page, 'item19-endpoint-access-form.png');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expectText(page.locator('.toast'), 'Published flow_keyed v2', 'published');
    const def = (await adminApi('GET', '/definitions/flow_keyed')).content;
    expect(canon({ auth: def.auth, cors: def.cors, rate_limit: def.rate_limit }) === canon({ auth: 'api_key', cors: { origins: ['https://app.example.com', 'https://*.example.com'] }, rate_limit: { limit: 100, window: '1m' } }),
      `saved: ${JSON.stringify(def)}`);
    const anon = await fetch(`${base}/flow/keyed`);
    expect(anon.status === 401, `without a key: ${anon.status}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    const form = page.getByRole('form', { name: 'New API key' });
    await form.getByLabel('name', { exact: true }).fill('flow-client');
    await form.getByLabel('expires after').selectOption('30d');
    await form.getByLabel('call flow_keyed').check();
    await form.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('new-key').textContent();
    expect(/^fsk_[0-9a-f]{12}_/.test(key), `the key: ${key}`);
    await expectText(page.getByRole('status', { name: 'The new key' }), 'It is shown only now', 'shown once');
    const row = page.getByRole('table', { name: 'API keys' }).locator('tr[data-key="flow-client"]');
    await expectText(row, 'call flow_keyed', 'listed with its scope');
    const call = () => fetch(`${base}/flow/keyed`, { headers: { 'X-Api-Key': key } });
    let r = await call();
    const body = await r.json();
    expect(r.status === 200 && body === 'secret stuff', `with the key: ${r.status} ${JSON.stringify(body)}`);
    await page.reload();
    await expectText(row.locator('td').nth(5), /\d/, 'last used'); // written within the minute, by a goroutine
    await shot(page, 'item19-keys-page.png');
    const problems = [];
    await audit(page, 'the keys page', problems);
    await row.getByRole('button', { name: 'Revoke flow-client' }).click();
    const ask = row.getByRole('alertdialog', { name: 'Revoke flow-client?' });
    await ask.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expectText(page.locator('.toast'), 'Revoked flow-client', 'revoked');
    await expectText(row, 'revoked', 'marked revoked');
    r = await call();
    expect(r.status === 401, `after revoking: ${r.status} ${await r.text()}`);
    noProblems(problems);
  });
}

