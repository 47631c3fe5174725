import { test, expect, hydrated, uniqueUser, register, registerWithoutJs } from './fixtures';

// The editor's Preview shows the body as the article page will, through the same server-side
// sanitizer: under the form once the page is interactive, on a page of its own in a new tab
// without JavaScript. Either way the draft stays in the editor, unpublished.
const title = 'A draft <b>worth</b> previewing';
const body = '## Heading two\n\nSome **bold** words.\n\n<script>window.previewed = 1</script>\n\n<img src=x onerror="window.previewed = 2">';

async function writeDraft(page: import('@playwright/test').Page) {
  await page.goto('/editor');
  await page.fill('input[name="title"]', title);
  await page.fill('input[name="description"]', 'Not yet published');
  await page.fill('textarea[name="body"]', body);
}

async function expectRendered(content: import('@playwright/test').Locator) {
  await expect(content.locator('h2')).toHaveText('Heading two');
  await expect(content.locator('strong')).toHaveText('bold');
  await expect(content.locator('script, [onerror]')).toHaveCount(0);
}

test('with JavaScript, the preview shows under the form and the draft stays', async ({ page }) => {
  await register(page, uniqueUser('preview'));
  await writeDraft(page);
  await hydrated(page);
  await page.click('button:has-text("Preview")');
  const preview = page.locator('.editor-preview');
  await expect(preview.getByRole('heading', { name: 'Preview' })).toBeVisible();
  await expectRendered(preview.locator('.article-content'));
  expect(await page.evaluate(() => (window as { previewed?: number }).previewed)).toBeUndefined();
  await expect(page).toHaveURL(/\/editor$/);
  await expect(page.locator('textarea[name="body"]')).toHaveValue(body);

  // An edit shows on the next preview.
  await page.fill('textarea[name="body"]', 'Now *changed*.');
  await page.click('button:has-text("Preview")');
  await expect(preview.locator('.article-content em')).toHaveText('changed');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the preview opens on a page of its own and the draft stays', async ({ page, context }) => {
    await registerWithoutJs(page, 'previewnojs');
    await writeDraft(page);
    const [tab] = await Promise.all([context.waitForEvent('page'), page.click('button:has-text("Preview")')]);
    await tab.waitForLoadState();
    await expect(tab.locator('h1')).toHaveText(title);
    await expectRendered(tab.locator('.article-content'));
    await expect(page).toHaveURL(/\/editor$/);
    await expect(page.locator('textarea[name="body"]')).toHaveValue(body);
  });
});
