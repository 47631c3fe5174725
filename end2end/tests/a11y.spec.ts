import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext, Browser, Page } from '@playwright/test';
import { test, expect, hydrated, uniqueUser, login, watchConsole } from './fixtures';

// Every page, signed in and out, at a desktop and a phone size, checked by axe-core: no serious
// or critical violation, and none of the structural rules below (moderate in axe's own scale,
// but part of what this project promises: one level-one heading, headings in order, content in
// landmarks).
const viewports = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 375, height: 667 },
};
const enforcedModerateRules = ['page-has-heading-one', 'heading-order', 'landmark-one-main', 'region', 'bypass'];

/** Everything axe finds on the page that this project treats as a failure, one line each. */
async function axeFailures(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    // An experimental rule in axe 4, off by default: visible text inside the accessible name.
    .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical' || enforcedModerateRules.includes(v.id))
    .flatMap((v) => v.nodes.map((node) => `${v.id} (${v.impact}): ${node.target.join(' ')}`));
}

/** Signs up through the API and answers the token. */
async function apiUser(request: APIRequestContext, user: { username: string; email: string; password: string }) {
  const response = await request.post('/api/users', { data: { user } });
  expect(response.status()).toBe(201);
  return (await response.json()).user.token as string;
}

async function apiArticle(request: APIRequestContext, token: string, article: object) {
  const response = await request.post('/api/articles', { data: { article }, headers: { Authorization: `Token ${token}` } });
  expect(response.status()).toBe(201);
  return (await response.json()).article.slug as string;
}

/**
 * A writer with a tagged, commented article, who favorited an article by someone else (so every
 * list shows favorite buttons in both states), and a browser session of the writer.
 */
async function seed(browser: Browser) {
  const context = await browser.newContext();
  const { request } = context;
  const tag = `a11y${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const other = uniqueUser('other');
  const otherToken = await apiUser(request, other);
  const otherSlug = await apiArticle(request, otherToken, { title: `Someone else ${tag}`, description: 'Not mine', body: 'Text.', tagList: [tag] });
  const writer = uniqueUser('writer');
  const token = await apiUser(request, writer);
  const auth = { Authorization: `Token ${token}` };
  const slug = await apiArticle(request, token, { title: `Accessible ${tag}`, description: 'About access', body: '# A heading\n\nSome *text*.', tagList: [tag] });
  expect((await request.post(`/api/articles/${slug}/comments`, { data: { comment: { body: 'A comment.' } }, headers: auth })).status()).toBe(201);
  expect((await request.post(`/api/articles/${otherSlug}/favorite`, { headers: auth })).status()).toBe(200);
  const page = await context.newPage();
  await login(page, writer);
  const state = await context.storageState();
  await context.close();
  return { writer, tag, slug, otherSlug, state };
}

// Both sizes in the light scheme, and the desktop in the dark one (its colours are the same at
// every size).
const runs = [
  { name: 'desktop', viewport: viewports.desktop, colorScheme: 'light' },
  { name: 'phone', viewport: viewports.phone, colorScheme: 'light' },
  { name: 'desktop, dark scheme', viewport: viewports.desktop, colorScheme: 'dark' },
] as const;

for (const { name, viewport, colorScheme } of runs) {
  test(`axe finds no serious violation on any page, ${name}`, async ({ browser }) => {
    test.setTimeout(300_000);
    const { writer, tag, slug, otherSlug, state } = await seed(browser);
    const shared = [
      '/',
      `/tag/${tag}`,
      `/article/${slug}`,
      `/article/${otherSlug}`,
      `/profile/${writer.username}`,
      `/profile/${writer.username}/favorites`,
      '/no/such/page',
    ];
    const signedOut = [...shared, '/login', '/register'];
    const signedIn = [...shared, '/?feed=following', '/editor', `/editor/${slug}`, '/settings'];
    const failures: string[] = [];
    for (const [who, paths, storageState] of [
      ['signed out', signedOut, undefined],
      ['signed in', signedIn, state],
    ] as const) {
      const context = await browser.newContext({ viewport, storageState, colorScheme });
      const problems: string[] = [];
      watchConsole(context, problems);
      const page = await context.newPage();
      for (const path of paths) {
        await page.goto(path);
        await hydrated(page);
        expect(new URL(page.url()).pathname, `${who} ${path} stays where it is`).toBe(path.split('?')[0]);
        failures.push(...(await axeFailures(page)).map((f) => `${who} ${path}: ${f}`));
      }
      await context.close();
      expect(problems).toEqual([]);
    }
    expect(failures).toEqual([]);
  });
}

test('keyboard users get a skip link to the main content and a visible focus ring', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  const outline = () =>
    page.evaluate(() => {
      const focused = document.activeElement as Element;
      const style = getComputedStyle(focused);
      return { tag: focused.tagName, style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
  const expectRing = async () => {
    const ring = await outline();
    expect(ring.style, `${ring.tag} shows a focus outline`).not.toBe('none');
    expect(ring.width, `${ring.tag} focus outline width`).toBeGreaterThanOrEqual(2);
    return ring.tag;
  };

  // The first Tab reaches the skip link, shown while it has focus.
  await page.keyboard.press('Tab');
  const skip = page.locator('a.skip-link');
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await expect(skip).toHaveText('Skip to main content');
  await expectRing();
  // Following it moves focus to <main>, and the next Tab goes to the first control inside it.
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => !!document.activeElement?.closest('main'))).toBe(true);

  // Every control on the way has a visible ring: links, inputs and the button.
  const seen = new Set<string>([await expectRing()]);
  for (let i = 0; i < 6 && seen.size < 3; i++) {
    await page.keyboard.press('Tab');
    seen.add(await expectRing());
  }
  expect([...seen].sort()).toEqual(['A', 'BUTTON', 'INPUT']);
});

test('form errors are announced to screen readers', async ({ page }) => {
  const user = uniqueUser('announce');
  await page.goto('/login');
  await hydrated(page);
  // A live region that is in the page before the error comes, so the error is announced.
  const region = page.locator('[role="alert"]');
  await expect(region).toHaveCount(1);
  await expect(region).toBeEmpty();
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', 'wrong-password');
  await page.click('button[type="submit"]');
  await expect(region.locator('.error-messages')).toContainText('invalid');
});
