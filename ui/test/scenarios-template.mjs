// End-to-end scenario of template fields (a message: text with
// {{ expression }} parts): completion, highlighting and the server's
// diagnostics inside the parts, plain text outside them. Registered into
// e2e.mjs, which starts the server and the browser and runs it:
// node ui/test/e2e.mjs; E2E_ONLY=template to run it alone.

/** register adds this file's scenarios with e2e.mjs's helpers (ctx). */
export function register(ctx) {
  const { scenario, adminApi, signIn, expect, expectText, runWith, shot, audit, noProblems } = ctx;
  const openDef = async (page, name) => {
    await page.evaluate((n) => { location.hash = `#/def/${n}`; }, name); // made through the API: the sidebar catches up
    await page.locator('.toolbar h1', { hasText: name }).waitFor();
  };
  const row = (page, path) => page.locator(`.compact-list [data-row="${path}"]`);
  const stepPanel = (page) => page.getByRole('complementary', { name: 'Step' });
  const pfield = (page, name) => stepPanel(page).locator(`.card.bare > .fields > [data-field="${name}"]`);
  async function save(page) {
    await page.keyboard.press('Control+s');
    await page.locator('[data-testid="save-state"]', { hasNotText: 'unsaved' }).waitFor();
  }

  scenario('template: {{ in a message completes the names in scope and functions; its text stays plain', async (page) => {
    await adminApi('POST', '/definitions', { kind: 'function', name: 'tpl_stock',
      input: [{ name: 'sku', type: 'text', required: true }, { name: 'qty', type: 'int', required: true }],
      stack: [
        { type: 'var', name: 'product', value: '{sku: input.sku, stock: 3}' },
        { type: 'precondition', cond: 'product.stock >= input.qty', message: 'out of stock', status: 409 },
      ], response: 'product' });
    await signIn(page, 'compact');
    await openDef(page, 'tpl_stock');
    await row(page, 'stack[1]').locator('.row-main').click();
    const msg = pfield(page, 'message');
    const ed = msg.locator('.cm-content');
    const list = page.locator('.cm-tooltip-autocomplete');
    const opts = list.locator('li');
    const selected = list.locator('li[aria-selected="true"]');
    const problems = [];
    // at rest the field is an input; a click opens the editor where it was clicked
    await msg.locator('input.tpl-input').click();
    await ed.waitFor();
    expect(await ed.getAttribute('aria-label') === 'message', 'the editor keeps the field\'s label');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('only ', { delay: 20 });
    await page.waitForTimeout(250);
    expect(await list.count() === 0, 'no completion while typing text');
    // {{ adds its }} and opens the completion: the names in scope at this step, then the functions
    await page.keyboard.type('{{', { delay: 20 });
    await expectText(opts, 'product', 'the var of the step before, offered');
    await expectText(opts, 'input', 'the input, offered');
    await expectText(opts.filter({ hasText: 'upper' }), '(', 'a function with its signature');
    expect(await ed.textContent() === 'only {{}}', `{{ closed: ${await ed.textContent()}`);
    await shot(page, 'template-completion.png');
    // pick product with the keyboard; } steps over the }} that {{ added
    await page.keyboard.type('pro', { delay: 20 });
    await expectText(selected, 'product', 'product selected');
    await page.waitForTimeout(150);
    await page.keyboard.press('Enter');
    await page.keyboard.type('.stock}}', { delay: 20 });
    await page.keyboard.type(' of {{', { delay: 20 });
    await expectText(opts, 'input', 'completion in a second part');
    await page.keyboard.type('inp', { delay: 20 });
    await expectText(selected, 'input', 'input selected');
    await page.waitForTimeout(150);
    await page.keyboard.press('Tab');
    // the input's fields complete after the dot, as in an expression field
    await page.keyboard.type('.', { delay: 20 });
    await expectText(opts, 'sku', 'the input fields');
    await expectText(selected, 'qty', 'the first field selected');
    await page.waitForTimeout(150);
    await page.keyboard.press('ArrowDown');
    await expectText(selected, 'sku', 'the next field selected');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.type(' left', { delay: 20 });
    await page.waitForTimeout(250);
    const want = 'only {{product.stock}} of {{input.sku}} left';
    expect(await ed.textContent() === want, `the message as typed: ${await ed.textContent()}`);
    expect(await list.count() === 0, 'no completion after the text');
    // each part is highlighted as one piece, its names as in an expression
    expect(await msg.locator('.tpl-part').count() === 2, 'two parts marked');
    await expectText(msg.locator('.tpl-part'), '{{product.stock}}', 'a part marked whole');
    await expectText(msg.locator('.tpl-part .tk-property'), 'stock', 'a field highlighted');
    await page.keyboard.press('Escape');
    await msg.locator('input.tpl-input').waitFor();
    expect(await msg.locator('input.tpl-input').inputValue() === want, 'the field at rest shows the message');
    await save(page);
    const saved = await adminApi('GET', '/definitions/tpl_stock');
    expect(saved.content.stack[1].message === want, `stored message: ${JSON.stringify(saved.content.stack[1].message)}`);
    const panel = await runWith(page, { sku: 'lamp', qty: 5 });
    await expectText(panel.locator('.run-result'), 'only 3 of lamp left', 'the message, rendered');

    // a part that does not compile: the server's error shows on the field, underlined at its name
    await msg.locator('input.tpl-input').click();
    await ed.waitFor();
    await page.keyboard.press('End');
    await page.keyboard.type(' {{prodct}}', { delay: 20 });
    await expectText(msg.locator('.diags'), 'unknown name prodct', 'the error at the field');
    await expectText(msg.locator('.cm-lintRange-error'), 'prodct', 'the unknown name underlined');
    expect(await msg.locator('.tpl.invalid').count() === 1, 'the field marked invalid');
    await shot(page, 'template-diagnostic.png');
    await audit(page, 'a template field with an error, edited', problems);
    await page.keyboard.press('Escape');
    expect(await msg.locator('input.tpl-input').getAttribute('aria-invalid') === 'true', 'invalid at rest too');
    // filling the input at rest (a paste, a test's fill) replaces the text in the editor
    await msg.locator('input.tpl-input').fill(want);
    await msg.locator('.diags').waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await save(page);
    const again = await adminApi('GET', '/definitions/tpl_stock');
    expect(again.content.stack[1].message === want, `stored message after the fix: ${JSON.stringify(again.content.stack[1].message)}`);
    await audit(page, 'a template field', problems);
    noProblems(problems);
  });
}
