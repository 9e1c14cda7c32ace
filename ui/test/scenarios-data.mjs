// End-to-end scenarios of the data pages (tables, versions, executions),
// registered into e2e.mjs, which starts the server and the browser and
// runs them: node ui/test/e2e.mjs (make test-ui); E2E_ONLY=name to pick.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** register adds this file's scenarios with e2e.mjs's helpers (ctx). */
export function register(ctx) {
  const { scenario, base, TOKEN, adminApi, signIn, expect, expectText, canon, artifacts, shot, audit, noProblems } = ctx;

  const openTable = async (page, name) => {
    await page.evaluate((n) => { location.hash = `#/def/${n}`; }, name); // made through the API: the sidebar catches up
    await page.getByRole('table', { name: `${name} records` }).waitFor();
  };
  const records = async (table) => (await adminApi('GET', `/tables/${table}/records?page=1&per_page=100&sort=id`)).items;
  const rowTexts = async (page, table, col) => page.getByRole('table', { name: `${table} records` }).locator('tbody tr').evaluateAll(
    (trs, i) => trs.map((tr) => tr.children[i].textContent.trim()), col);

  scenario('tables: schema designer, records with paging and editing', async (page) => {
    await signIn(page);
    await page.getByRole('button', { name: 'New table' }).click();
    await page.getByLabel('New table name').fill('note');
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: 'Schema' }).click();
    await page.getByRole('button', { name: '+ Add column' }).click();
    await page.getByLabel('column 2 name').fill('body');
    await page.getByLabel('column 2 type').selectOption('text');
    await page.getByRole('button', { name: '+ Add column' }).click();
    await page.getByLabel('column 3 name').fill('secret');
    await page.getByLabel('column 3 hidden').check();
    // a text column's values: typed comma-separated, saved as a list
    await page.getByRole('button', { name: '+ Add column' }).click();
    await page.getByLabel('column 4 name').fill('state');
    await page.getByLabel('column 4 values').fill('open, closed');
    await page.getByRole('button', { name: '+ Add index' }).click();
    await page.getByLabel('index 1 columns').fill('name');
    await page.getByRole('button', { name: 'Save & publish' }).click();
    await expectText(page.locator('.toast'), 'published note', 'table saved');
    const def = await adminApi('GET', '/definitions/note');
    const cols = def.content.fields.map((f) => `${f.name}:${f.type}${f.required ? '!' : ''}${f.hidden ? ' hidden' : ''}${f.values ? ` [${f.values.join('|')}]` : ''}`).join(',');
    expect(cols === 'name:text!,body:text,secret:text hidden,state:text [open|closed]' && def.content.indexes?.[0]?.fields?.[0] === 'name', `saved table: ${JSON.stringify(def.content)}`);
    await page.getByRole('tab', { name: /Records/ }).click();
    await page.getByRole('button', { name: 'Add record' }).click();
    const form = page.getByRole('form', { name: 'Add a record' });
    // a required column left empty is refused at the field
    await form.getByLabel('body').fill('hello');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await expectText(form.locator('.value-error'), 'this column is required', 'a required column left empty');
    await form.getByLabel('name').fill('first');
    // a column with values is a select of them
    const choices = await form.getByLabel('state').locator('option').allTextContents();
    expect(choices.join(',') === '(empty),open,closed', `the add form offers the values: ${choices}`);
    await form.getByLabel('state').selectOption('closed');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await expectText(page.locator('.records-grid td'), 'hello', 'added record');
    expect((await records('note'))[0].state === 'closed', 'the chosen value is stored');
    await page.getByRole('button', { name: 'Edit state of record 1' }).click();
    await page.getByLabel('state of record 1').selectOption('open');
    await expectText(page.getByRole('button', { name: 'Edit state of record 1' }), 'open', 'the cell saves the chosen value');
    expect((await records('note'))[0].state === 'open', 'the cell stored the value');
    await page.getByRole('button', { name: 'Edit body of record 1' }).click();
    await page.getByLabel('body of record 1').fill('changed');
    await page.keyboard.press('Enter');
    await expectText(page.locator('.records-grid td'), 'changed', 'edited record');
    const rec = (await adminApi('GET', '/tables/note/records?page=1&per_page=5')).items[0];
    expect(rec.body === 'changed', `stored body: ${JSON.stringify(rec)}`);
    for (let i = 0; i < 24; i++) await adminApi('POST', '/tables/note/records', { name: `n${i}`, body: `b${i}` });
    await page.locator('label', { hasText: 'per page' }).locator('select').selectOption('10');
    await expectText(page.locator('.records'), 'page 1 of 3', 'paging');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expectText(page.locator('.records'), 'page 2 of 3', 'second page');
  });

  const productTable = (name) => ({ kind: 'table', name, fields: [
    { name: 'title', type: 'text', required: true }, { name: 'qty', type: 'int' }, { name: 'price', type: 'decimal' },
    { name: 'active', type: 'bool' }, { name: 'released', type: 'timestamp' }, { name: 'meta', type: 'json' }] });
  const products = [
    { title: 'Desk lamp', qty: 12, price: 24.5, active: true, released: '2024-03-01T09:30:00Z', meta: { color: 'black' } },
    { title: 'Floor lamp, "tall"', qty: 3, price: 89.99, active: false, released: '2024-06-15T18:05:00Z' },
    { title: 'Chair', qty: 40, price: 49, active: true, released: '2023-11-20T12:00:00Z', meta: { legs: 4, tags: ['wood', 'oak'] } },
    { title: 'Lamp shade', qty: 7, price: 9.75 },
    { title: 'Table\nwith a line break', qty: 1, price: 199 },
  ];

  scenario('tables: a ref is a link to its record; the designer names its table', async (page) => {
    await adminApi('POST', '/definitions?publish=true', { kind: 'table', name: 'author', fields: [{ name: 'name', type: 'text' }] });
    await adminApi('POST', '/definitions?publish=true', { kind: 'table', name: 'book', fields: [{ name: 'title', type: 'text' },
      { name: 'author', type: 'ref', table: 'author', on_delete: 'cascade' }] });
    for (const name of ['Ada', 'Bob']) await adminApi('POST', '/tables/author/records', { name });
    await adminApi('POST', '/tables/book/records', { title: 'Notes', author: 2 });
    await signIn(page);
    await openTable(page, 'book');
    const problems = [];
    await page.getByRole('link', { name: 'open author 2' }).click();
    await page.getByRole('table', { name: 'author records' }).waitFor();
    expect((await page.evaluate(() => location.hash)) === '#/def/author?id=2', 'the link opens the author table');
    const names = await rowTexts(page, 'author', 1);
    expect(names.length === 1 && names[0] === 'Bob', `the author table shows record 2 only: ${JSON.stringify(names)}`);
    await audit(page, 'a ref followed', problems);
    // the designer offers the catalogue's types; a ref names its table and on_delete
    await openTable(page, 'book');
    await page.getByRole('tab', { name: 'Schema' }).click();
    expect(await page.getByLabel('column 2 table').inputValue() === 'author', 'the ref names its table');
    expect(await page.getByLabel('column 2 on delete').inputValue() === 'cascade', 'the ref shows its on_delete');
    const types = await page.getByLabel('column 1 type').locator('option').allTextContents();
    expect(types.includes('ref') && types.includes('refs'), `the type list comes from the server: ${types}`);
    await shot(page, 'relations-designer.png');
    await audit(page, 'the designer of a ref', problems);
    noProblems(problems);
  });

  scenario('tables: a cell refuses abc for an int; timestamps in local time', async (page) => {
    await adminApi('POST', '/definitions?publish=true', productTable('product'));
    for (const p of products) await adminApi('POST', '/tables/product/records', p);
    await signIn(page);
    await openTable(page, 'product');
    const problems = [];
    // the int cell of record 1: abc is refused with the reason, nothing is saved
    await page.getByRole('button', { name: 'Edit qty of record 1' }).click();
    const qty = page.getByLabel('qty of record 1');
    await qty.fill('abc');
    await qty.press('Enter');
    await expectText(page.locator('.records-grid .value-error'), '"abc" is not a whole number; type digits, like 42 or -7', 'the reason abc is refused');
    expect(await qty.getAttribute('aria-invalid') === 'true', 'the cell is marked invalid');
    expect((await records('product'))[0].qty === 12, 'nothing was saved');
    await shot(page, 'item8-cell-refuses-abc.png');
    await audit(page, 'a refused cell', problems);
    // leaving it does not save either; Escape gives the value back
    await page.locator('.page-head h1').click();
    expect((await records('product'))[0].qty === 12, 'leaving the refused cell saved nothing');
    await qty.press('Escape');
    await expectText(page.getByRole('button', { name: 'Edit qty of record 1' }), '12', 'the value is back');
    // 42 is taken
    await page.getByRole('button', { name: 'Edit qty of record 1' }).click();
    await qty.fill('42');
    await qty.press('Enter');
    await expectText(page.getByRole('button', { name: 'Edit qty of record 1' }), '42', 'the new value shows');
    expect((await records('product'))[0].qty === 42, 'and is stored as a number');
    // bad JSON and a bad decimal are refused too
    await page.getByRole('button', { name: 'Edit price of record 2' }).click();
    await page.getByLabel('price of record 2').fill('12,50');
    await page.getByLabel('price of record 2').press('Enter');
    await expectText(page.locator('.records-grid .value-error'), '"12,50" is not a number; type one like 19.99', 'a bad decimal');
    await page.getByLabel('price of record 2').press('Escape');
    // a timestamp shows in the browser's time zone, its ISO text on hover
    const cell = page.getByRole('button', { name: /edit released of record 1/ });
    const shown = (await cell.textContent()).trim();
    const title = await cell.getAttribute('title');
    const local = await page.evaluate(() => new Date('2024-03-01T09:30:00Z').toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }));
    expect(shown === local && title === '2024-03-01T09:30:00Z', `released shows ${JSON.stringify(shown)} (want ${JSON.stringify(local)}), title ${title}`);
    // edited through its date and time picker, it is stored as UTC
    await cell.click();
    await page.getByLabel('released of record 1').fill('2024-03-02T10:00:00');
    await page.getByLabel('released of record 1').press('Enter');
    await expectText(page.getByRole('button', { name: /edit released of record 1/ }), '2024', 'the edited time');
    const want = await page.evaluate(() => new Date('2024-03-02T10:00:00').toISOString());
    const stored = (await records('product'))[0].released;
    expect(new Date(stored).getTime() === new Date(want).getTime(), `released stored as ${stored}, want ${want}`);
    noProblems(problems);
  });

  scenario('tables: filter, sort and search the whole table; a CSV round trip', async (page) => {
    await adminApi('POST', '/definitions?publish=true', productTable('stock'));
    for (const p of products) await adminApi('POST', '/tables/stock/records', p);
    for (let i = 0; i < 30; i++) await adminApi('POST', '/tables/stock/records', { title: `Filler ${i}`, qty: 100 + i });
    await signIn(page);
    await openTable(page, 'stock');
    const problems = [];
    // search: every page of the table, not the one shown
    await page.getByLabel('Search records').fill('lamp');
    await expectText(page.getByTestId('record-count'), '2 records match', 'search is exact-case: Desk lamp and Floor lamp');
    await page.getByLabel('Search records').fill('amp');
    await expectText(page.getByTestId('record-count'), '3 records match', 'search for amp');
    // a filter: qty > 5; a bad value is refused at the filter and not applied
    await page.getByRole('button', { name: 'Filter' }).click();
    // the operators offered follow from the column type's catalogue entry (equality, ordered, searchable)
    const opsOf = async () => (await page.getByLabel('filter 1 operator').locator('option').allTextContents()).join(' ');
    await page.getByLabel('filter 1 column').selectOption('title');
    expect(await opsOf() === 'is is not contains starts with ends with < ≤ > ≥ is empty is set', `a text column's operators: ${await opsOf()}`);
    await page.getByLabel('filter 1 column').selectOption('meta');
    expect(await opsOf() === 'is empty is set', `a json column's operators: ${await opsOf()}`);
    await page.getByLabel('filter 1 column').selectOption('active');
    expect(await opsOf() === 'is is not is empty is set', `a bool column's operators: ${await opsOf()}`);
    await page.getByLabel('filter 1 column').selectOption('qty');
    expect(await opsOf() === 'is is not < ≤ > ≥ is empty is set', `an int column's operators: ${await opsOf()}`);
    await page.getByLabel('filter 1 operator').selectOption('gt');
    await page.getByLabel('filter 1 value').fill('five');
    await expectText(page.getByRole('group', { name: 'Filters' }).locator('.value-error'), '"five" is not a whole number', 'a bad filter value');
    await expectText(page.getByTestId('record-count'), '3 records match', 'the bad filter is not applied');
    await page.getByLabel('filter 1 value').fill('5');
    await expectText(page.getByTestId('record-count'), '2 records match', 'amp and qty > 5');
    // sort by price, both ways
    await page.getByRole('button', { name: /^price decimal\s*,\s*sort ascending/ }).click();
    await page.waitForFunction(() => document.querySelector('th[aria-sort="ascending"]'));
    await page.waitForTimeout(300);
    let titles = await rowTexts(page, 'stock', 1);
    expect(canon(titles) === canon(['Lamp shade', 'Desk lamp']), `ascending price: ${titles}`);
    await page.getByRole('button', { name: /^price decimal\s*,\s*sort descending/ }).click();
    await page.waitForFunction(() => document.querySelector('th[aria-sort="descending"]'));
    await page.waitForTimeout(300);
    titles = await rowTexts(page, 'stock', 1);
    expect(canon(titles) === canon(['Desk lamp', 'Lamp shade']), `descending price: ${titles}`);
    await shot(page, 'item8-filter-sort-search.png');
    await audit(page, 'records with a search, a filter and a sort', problems);
    // export what matches: the two rows, every column
    let [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    let csv = readFileSync(await download.path(), 'utf8');
    expect(download.suggestedFilename() === 'stock-filtered.csv' && csv.split('\r\n')[0] === 'id,title,qty,price,active,released,meta,created_at,updated_at' && csv.trim().split('\r\n').length === 3,
      `filtered export ${download.suggestedFilename()}:\n${csv}`);
    // the whole table, into a new table by import
    await page.getByRole('button', { name: 'Remove filter 1' }).click();
    await page.getByLabel('Search records').fill('');
    await expectText(page.getByTestId('record-count'), '35 records', 'all records again');
    [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    csv = readFileSync(await download.path(), 'utf8');
    expect(download.suggestedFilename() === 'stock.csv' && csv.includes('"Floor lamp, ""tall"""') && csv.includes('"Table\nwith a line break"') && csv.includes('"{""legs"":4,""tags"":[""wood"",""oak""]}"'),
      `the export quotes commas, quotes, line breaks and JSON:\n${csv.slice(0, 600)}`);
    await adminApi('POST', '/definitions?publish=true', productTable('stock_copy'));
    await openTable(page, 'stock_copy');
    await page.getByLabel('Import CSV').setInputFiles({ name: 'stock.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const imp = page.getByRole('region', { name: 'CSV import' });
    await expectText(imp, '35 records ready', 'the import preview');
    await expectText(imp, 'id, created_at, updated_at are kept by funcstack', 'what the import leaves out');
    await shot(page, 'item8-csv-import.png');
    await audit(page, 'the CSV import preview', problems);
    await imp.getByRole('button', { name: 'Import 35 records' }).click();
    await expectText(page.locator('.toast'), 'Imported 35 records into stock_copy', 'import done');
    await expectText(page.getByTestId('record-count'), '35 records', 'the imported records');
    const strip = (rs) => rs.map(({ id, created_at, updated_at, ...r }) => canon(r)).sort();
    const a = strip(await records('stock')), b = strip(await records('stock_copy'));
    expect(canon(a) === canon(b), `the round trip changed the records:\n${canon(a).slice(0, 400)}\n${canon(b).slice(0, 400)}`);
    // a file with a bad value and an unknown column says so before anything is added
    await page.getByLabel('Import CSV').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('title,qty\nok,1\nbad,abc\n') });
    await expectText(imp, '1 record ready, 1 value refused', 'the bad row');
    await expectText(imp, 'row 3, qty: "abc" is not a whole number', 'which value');
    await imp.getByRole('button', { name: 'Cancel' }).click();
    await page.getByLabel('Import CSV').setInputFiles({ name: 'other.csv', mimeType: 'text/csv', buffer: Buffer.from('title,colour\nx,red\n') });
    await expectText(imp, 'other.csv has column colour, which the table does not', 'an unknown column');
    expect((await records('stock_copy')).length === 35, 'nothing more was added');
    noProblems(problems);
  });

  /** curl makes a request as a client would and returns the execution ID it got. */
  const curl = (method, path, headers) => {
    const out = execFileSync('curl', ['-s', '-i', '-X', method, ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), `${base}${path}`], { encoding: 'utf8' });
    const id = /^x-execution-id:\s*(\S+)/im.exec(out)?.[1];
    expect(id, `no X-Execution-Id in:\n${out}`);
    return id;
  };

  scenario('executions: a curl request shows method, path, status and headers; found by ID', async (page) => {
    await adminApi('POST', '/definitions?publish=true', { kind: 'endpoint', name: 'hello_api', method: 'GET', path: '/api/hello/:name',
      input: [{ name: 'name', type: 'text', required: true }], stack: [{ type: 'precondition', cond: "input.name != 'nobody'", message: "'nobody is not a name'", status: 422 }], response: "'Hello, ' + input.name" });
    await adminApi('POST', '/definitions?publish=true', { kind: 'table', name: 'visit', fields: [{ name: 'who', type: 'text' }] });
    const ok = curl('GET', '/api/hello/ada', { Authorization: 'Bearer my-secret-token', 'X-Api-Key': 'k-123', 'X-Request-Source': 'e2e' });
    curl('GET', '/api/hello/nobody', { 'X-Request-Source': 'e2e' });
    await adminApi('POST', '/tables/visit/records', { who: 'ada' }); // the record editor's own run: hidden
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
    const row = (id) => page.locator(`tr[data-execution="${id}"]`);
    await row(ok).waitFor();
    await expectText(row(ok), 'GET/api/hello/ada', 'method and path');
    await expectText(row(ok).locator('.http-status'), '200', 'the HTTP status');
    await expectText(page.locator('tr[data-execution]', { hasText: 'nobody' }).locator('.http-status'), '422', 'a refused request');
    expect(await page.locator('tr[data-execution]', { hasText: 'admin_records_add' }).count() === 0, 'the record editor\'s run is hidden');
    await page.getByText("show the record editor's own runs").click();
    await page.locator('tr[data-execution]', { hasText: 'admin_records_add' }).first().waitFor();
    await page.getByText("show the record editor's own runs").click();
    await page.locator('tr[data-execution]', { hasText: 'admin_records_add' }).first().waitFor({ state: 'detached' });
    // found by its ID, or the start of it
    await page.getByLabel('Execution ID').fill(ok.slice(0, 23));
    await page.waitForFunction((id) => { const rs = document.querySelectorAll('tr[data-execution]'); return rs.length === 1 && rs[0].getAttribute('data-execution') === id; }, ok);
    await shot(page, 'item7-request-history-by-id.png');
    const problems = [];
    await audit(page, 'executions found by ID', problems);
    // a date range that ended before it finds nothing
    await page.getByLabel('To', { exact: true }).fill('2020-01-01T00:00:00');
    await expectText(page.locator('.empty-state'), 'No executions match these filters', 'a range before the run');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await row(ok).waitFor();
    // Enter on a whole ID opens it: its request, headers without credentials
    await page.getByLabel('Execution ID').fill(ok);
    await page.getByLabel('Execution ID').press('Enter');
    const x = page.getByTestId('execution');
    await expectText(x.getByRole('region', { name: 'Request' }), 'GET/api/hello/ada', 'the request');
    const headers = page.getByRole('table', { name: 'Request headers' });
    await expectText(headers.locator('tr', { hasText: 'authorization' }), 'Bearer [redacted]', 'Authorization redacted');
    await expectText(headers.locator('tr', { hasText: 'x-api-key' }), '[redacted]', 'the API key redacted');
    await expectText(headers.locator('tr', { hasText: 'x-request-source' }), 'e2e', 'other headers kept');
    expect(!(await x.textContent()).includes('my-secret-token'), 'the token is nowhere on the page');
    await shot(page, 'item7-execution-request.png');
    await audit(page, 'an endpoint execution', problems);
    noProblems(problems);
  });

  scenario('executions: a retry of a failed draft run says which version and runs the chosen one', async (page) => {
    const greet = (stack) => ({ kind: 'function', name: 'greet', input: [{ name: 'name', type: 'text', required: true }], stack, response: "'Hello, ' + input.name" });
    await adminApi('POST', '/definitions?publish=true', greet([]));
    await adminApi('PUT', '/definitions/greet', greet([{ type: 'precondition', cond: "input.name != 'bob'", message: "'bob is not welcome'", status: 403 }]));
    const run = await adminApi('POST', '/run', { name: 'greet', input: { name: 'bob' } });
    expect(run.status === 'failed', `the draft run: ${JSON.stringify(run)}`);
    await signIn(page);
    await page.evaluate((id) => { location.hash = `#/executions/${id}`; }, run.execution_id);
    const x = page.getByTestId('execution');
    await expectText(x.locator('.facts'), 'v2draft', 'the run used the draft v2');
    const choose = page.getByLabel('Version to retry');
    await choose.waitFor(); // once the published version is known
    const options = await choose.locator('option').allTextContents();
    expect(canon(options) === canon(['v2, the version this run used (a draft)', 'v1, the published version']), `retry choices: ${options}`);
    await expectText(page.getByRole('button', { name: /^Retry/ }), 'Retry with v2', 'the button says which version');
    await expectText(page.locator('#retry-hint'), 'Runs v2, the version this run used (a draft), again with this input, now, with a trace.', 'what the retry does');
    await shot(page, 'item7-retry-says-which-version.png');
    const problems = [];
    await audit(page, 'a failed draft run', problems);
    // the published version: succeeds
    await choose.selectOption('published');
    await page.getByRole('button', { name: 'Retry with v1' }).click();
    await expectText(page.locator('.toast'), 'Retried with v1', 'the toast says which version ran');
    await page.waitForFunction((id) => location.hash.startsWith('#/executions/') && !location.hash.includes(id), run.execution_id);
    await expectText(x.locator('.status').first(), 'succeeded', 'v1 greets bob');
    await expectText(x.locator('.facts'), 'v1', 'it ran v1');
    await expectText(x.getByTestId('execution-output'), 'Hello, bob', 'its output');
    await shot(page, 'item7-retried-published.png');
    // the version it ran: fails again, the same way
    await page.evaluate((id) => { location.hash = `#/executions/${id}`; }, run.execution_id);
    await page.getByRole('button', { name: 'Retry with v2' }).click();
    await expectText(page.locator('.toast'), 'Retried with v2: failed', 'v2 ran');
    await expectText(page.getByTestId('execution-error'), 'bob is not welcome', 'v2 refuses bob');
    await expectText(x.locator('.facts'), 'v2draft', 'and the new run used v2');
    noProblems(problems);
  });

  scenario('versions: a step diff shows an added and a changed step; publish with a note; restore asks first', async (page) => {
    const v1 = { kind: 'function', name: 'counter', input: [{ name: 'n', type: 'int' }], stack: [
      { type: 'var', name: 'total', value: '1' },
      { type: 'if', cond: 'input.n > 10', then: [{ type: 'set', name: 'total', value: 'total + 1' }] },
    ], response: 'total' };
    const v2 = { ...v1, stack: [
      { type: 'var', name: 'total', value: '2' },
      { type: 'if', cond: 'input.n > 10', then: [{ type: 'set', name: 'total', value: 'total + 1' }, { type: 'log', value: "'big: ' + string(input.n)" }] },
      { type: 'var', name: 'label', value: "total > 2 ? 'many' : 'few'", description: 'what a person reads: a long expression that would be cut off in a narrow panel if the diff did not wrap it' },
    ], response: '{total: total, label: label}' };
    await adminApi('POST', '/definitions?publish=true', v1);
    await adminApi('PUT', '/definitions/counter', v2);
    await signIn(page);
    await page.getByRole('link', { name: 'counter' }).click();
    await page.getByRole('button', { name: 'Versions' }).click();
    const panel = page.getByRole('complementary', { name: 'Versions' });
    const diff = panel.getByTestId('step-diff');
    await expectText(panel.locator('.diff h3'), 'v1 → v2', 'the newest two compared');
    await expectText(diff.locator('[data-diff="added"]', { hasText: 'var label' }), "3. var label = total > 2 ? 'many' : 'few'", 'the added step, readable');
    const changed = diff.locator('[data-diff="changed"]', { hasText: '1. var total' });
    await expectText(changed.locator('[data-field-change="value"] .sd-old'), '1', 'the old value');
    await expectText(changed.locator('[data-field-change="value"] .sd-new'), '2', 'the new value');
    await expectText(diff.locator('[data-diff="changed"]', { hasText: '2. if input.n > 10' }).locator('[data-diff="added"]'), "log 'big: ' + string(input.n)", 'a step added inside the if');
    await expectText(diff.locator('[data-diff="definition"] [data-field-change="response"] .sd-new'), '{total: total, label: label}', 'the response changed');
    const text = await diff.textContent();
    expect(!text.includes('\\u003e') && !text.includes('\\u0026'), 'no JSON escapes in the diff');
    // nothing is cut off: every side wraps inside the panel
    const cut = await diff.evaluate((d) => [...d.querySelectorAll('.sd-side, .sd-old, .sd-new')].filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
    expect(cut.length === 0, `cut off in the panel: ${cut}`);
    await shot(page, 'item9-versions-step-diff.png');
    const problems = [];
    await audit(page, 'the versions diff', problems);
    await panel.getByRole('button', { name: 'Open wide' }).click();
    await page.getByRole('dialog', { name: 'counter: v1 → v2' }).waitFor();
    await shot(page, 'item9-versions-diff-wide.png');
    await page.keyboard.press('Escape');
    // publish v2 with a note
    await panel.locator('[data-version="2"]').getByRole('button', { name: 'Publish' }).click();
    await panel.getByLabel('Note for v2').fill('counts to 2 and labels big runs');
    await panel.getByRole('button', { name: 'Publish v2' }).click();
    await expectText(page.locator('.toast'), 'Published v2 of counter', 'published');
    await expectText(panel.locator('[data-version="2"] .v-note'), 'counts to 2 and labels big runs', 'the note in the history');
    const h = await adminApi('GET', '/definitions/counter/versions');
    expect(h.items[0].published && h.items[0].note === 'counts to 2 and labels big runs', `versions: ${JSON.stringify(h.items)}`);
    // restore asks first; cancelling changes nothing
    await panel.locator('[data-version="1"]').getByRole('button', { name: 'Restore' }).click();
    const ask = panel.getByRole('alertdialog', { name: 'Restore v1?' });
    await expectText(ask, 'Restore v1? Its content becomes a new draft, v3; v2 stays in the history.', 'the question');
    await shot(page, 'item9-restore-asks-first.png');
    await audit(page, 'the restore question', problems);
    await ask.getByRole('button', { name: 'Cancel' }).click();
    expect((await adminApi('GET', '/definitions/counter')).latest === 2, 'cancel restored nothing');
    await panel.locator('[data-version="1"]').getByRole('button', { name: 'Restore' }).click();
    await ask.getByRole('button', { name: 'Restore v1' }).click();
    await expectText(page.locator('.toast'), 'Restored v1 as a new draft', 'restored');
    const now = await adminApi('GET', '/definitions/counter');
    expect(now.latest === 3 && now.published === 2 && canon(now.content.stack) === canon(v1.stack), `after restore: ${JSON.stringify(now)}`);
    noProblems(problems);
  });
}
