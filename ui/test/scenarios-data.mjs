// End-to-end scenarios of the data pages (tables, versions, executions),
// registered into e2e.mjs, which starts the server and the browser and
// runs them: node ui/test/e2e.mjs (make test-ui); E2E_ONLY=name to pick.
import { join } from 'node:path';

/** register adds this file's scenarios with e2e.mjs's helpers (ctx). */
export function register(ctx) {
  const { scenario, adminApi, signIn, expect, expectText, artifacts } = ctx;

  scenario('tables: schema designer, records with paging and editing', async (page) => {
    await signIn(page);
    await page.getByRole('button', { name: 'New table' }).click();
    await page.getByLabel('New table name').fill('note');
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: 'Schema' }).click();
    await page.getByRole('button', { name: '+ Add column' }).click();
    await page.getByLabel('column 2 name').fill('body');
    await page.getByLabel('column 2 type').selectOption('text');
    await page.getByRole('button', { name: '+ Add index' }).click();
    await page.getByLabel('index 1 columns').fill('name');
    await page.getByRole('button', { name: 'Save & publish' }).click();
    await expectText(page.locator('.toast'), 'published note', 'table saved');
    const def = await adminApi('GET', '/definitions/note');
    const cols = def.content.fields.map((f) => `${f.name}:${f.type}${f.required ? '!' : ''}`).join(',');
    expect(cols === 'name:text!,body:text' && def.content.indexes?.[0]?.fields?.[0] === 'name', `saved table: ${JSON.stringify(def.content)}`);
    await page.getByRole('tab', { name: /Records/ }).click();
    await page.getByRole('button', { name: 'Add record' }).click();
    await page.locator('.add-record label', { hasText: 'name' }).locator('input').fill('first');
    await page.locator('.add-record label', { hasText: 'body' }).locator('input').fill('hello');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expectText(page.locator('.records-grid td'), 'hello', 'added record');
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
    await page.screenshot({ path: join(artifacts, '7-records.png') });
  });
}
