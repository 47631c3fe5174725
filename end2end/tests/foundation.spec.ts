import { test, expect, hydrated, uniqueUser, register } from './fixtures';

test('the server sends a complete Conduit page before any script runs', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain('<title>Home — Conduit</title>');
  expect(html).toMatch(/<nav class="navbar navbar-light">/);
  expect(html).toContain('class="navbar-brand"');
  expect(html).toContain('Popular Tags');
  expect(html).toContain('Global Feed');
  expect(html).toMatch(/<link[^>]+href="\/pkg\/conduit\.css"/);
  expect(html).toContain('<footer>');
  // The hydration script is there, and the content does not wait for it.
  expect(html).toMatch(/\/pkg\/conduit\.js/);
});

test('unknown routes are a real 404 page', async ({ request, page }) => {
  const response = await request.get('/no/such/page');
  expect(response.status()).toBe(404);
  expect(await response.text()).toContain('Page not found');
  await page.goto('/article/this-article-does-not-exist');
  await expect(page.locator('h1')).toHaveText('Page not found');
});

test('the WASM loads and hydrates the page', async ({ page }) => {
  const wasm = page.waitForResponse((r) => r.url().endsWith('.wasm'));
  await page.goto('/');
  expect((await wasm).status()).toBe(200);
  await hydrated(page);
});

test('the tag input responds to Enter only after hydration, and a server function round trip works', async ({ page }) => {
  const user = uniqueUser('found');
  const rpc = page.waitForResponse((r) => r.url().includes('/rpc/') && r.request().method() === 'POST');
  await register(page, user);
  expect((await rpc).status()).toBe(200);
  // The navbar now shows the signed-in user, read through a server function.
  await expect(page.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();

  await page.goto('/editor');
  await hydrated(page);
  await page.fill('input[placeholder="Enter tags"]', 'first-tag');
  await page.press('input[placeholder="Enter tags"]', 'Enter');
  await expect(page.locator('.tag-list .tag-pill', { hasText: 'first-tag' })).toBeVisible();
  await expect(page.locator('input[placeholder="Enter tags"]')).toHaveValue('');
  await expect(page).toHaveURL(/\/editor$/);
});
