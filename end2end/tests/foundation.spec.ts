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
  // The bundle's names carry their content's hash (cargo-leptos `hash-files`).
  expect(html).toMatch(/<link[^>]+href="\/pkg\/conduit\.[\w-]{22}\.css"/);
  expect(html).toContain('<footer>');
  // The hydration script is there, and the content does not wait for it.
  expect(html).toMatch(/\/pkg\/conduit\.[\w-]{22}\.js/);
  expect(html).toMatch(/\/pkg\/conduit\.[\w-]{22}\.wasm/);
});

test('a returning visitor downloads none of the bundle again', async ({ context }) => {
  // What the browser fetched under /pkg, and how: Chrome's DevTools protocol tells a cache hit
  // (memory or disk) from a download.
  type Fetch = { url: string; cache: boolean; status?: number; cacheControl?: string; bytes?: number };
  async function visit(path: string) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const fetches = new Map<string, Fetch>();
    cdp.on('Network.requestWillBeSent', ({ requestId, request }) => {
      if (new URL(request.url).pathname.startsWith('/pkg/')) fetches.set(requestId, { url: request.url, cache: false });
    });
    cdp.on('Network.requestServedFromCache', ({ requestId }) => {
      const fetch = fetches.get(requestId);
      if (fetch) fetch.cache = true;
    });
    cdp.on('Network.responseReceived', ({ requestId, response }) => {
      const fetch = fetches.get(requestId);
      if (!fetch) return;
      fetch.status = response.status;
      fetch.cacheControl = response.headers['cache-control'] ?? response.headers['Cache-Control'];
      if (response.fromDiskCache) fetch.cache = true;
    });
    cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
      const fetch = fetches.get(requestId);
      if (fetch) fetch.bytes = encodedDataLength;
    });
    await page.goto(path);
    await hydrated(page);
    await page.close();
    return [...fetches.values()];
  }
  const kinds = (fetches: Fetch[]) => [...new Set(fetches.map((f) => f.url.split('.').pop()))].sort();

  const first = await visit('/');
  expect(kinds(first)).toEqual(['css', 'js', 'wasm']);
  for (const fetch of first) {
    expect(fetch.cache, fetch.url).toBe(false);
    expect(fetch.status, fetch.url).toBe(200);
    expect(fetch.bytes ?? 0, fetch.url).toBeGreaterThan(0);
    expect(fetch.cacheControl, fetch.url).toBe('public, max-age=31536000, immutable');
  }
  // Later, in a new tab: the same page and another one, every file from the browser's cache,
  // none asked of the server again (not even to revalidate).
  for (const path of ['/', '/login']) {
    const again = await visit(path);
    expect(kinds(again), path).toEqual(['css', 'js', 'wasm']);
    for (const fetch of again) {
      expect(fetch.cache, `${path}: ${fetch.url} came from the network`).toBe(true);
      expect(fetch.status, fetch.url).toBe(200);
    }
  }
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
  // The page it opens shows the signed-in user in the navbar.
  await expect(page.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();

  await page.goto('/editor');
  await hydrated(page);
  await page.fill('input[placeholder="Enter tags"]', 'first-tag');
  await page.press('input[placeholder="Enter tags"]', 'Enter');
  await expect(page.locator('.tag-list .tag-pill', { hasText: 'first-tag' })).toBeVisible();
  await expect(page.locator('input[placeholder="Enter tags"]')).toHaveValue('');
  await expect(page).toHaveURL(/\/editor$/);
});
