import { test as base, expect, type Page, type BrowserContext } from '@playwright/test';

/** Every test fails if the browser console shows an error or a hydration warning. */
export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: [
    async ({ context }, use) => {
      const problems: string[] = [];
      watchConsole(context, problems);
      await use(problems);
      expect(problems, 'console errors or hydration warnings').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export function watchConsole(context: BrowserContext, problems: string[]) {
  context.on('page', (page) => {
    page.on('console', (msg) => {
      const text = msg.text();
      if (msg.type() === 'error' || /hydrat/i.test(text)) problems.push(`${msg.type()}: ${text}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  });
}

let counter = 0;
/** A user nobody else in this run has. */
export function uniqueUser(prefix = 'user') {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 1e4)}`;
  return { username: `${prefix}${id}`, email: `${prefix}${id}@example.com`, password: 'password123' };
}

/** Waits until the WASM has hydrated the page (the app marks <html data-hydrated>). */
export async function hydrated(page: Page) {
  await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1, { timeout: 15_000 });
}

export async function register(page: Page, user: { username: string; email: string; password: string }) {
  await page.goto('/register');
  await hydrated(page).catch(() => undefined);
  await page.fill('input[name="username"]', user.username);
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([page.waitForURL('/'), page.click('button[type="submit"]')]);
}

export async function login(page: Page, user: { email: string; password: string }) {
  await page.goto('/login');
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([page.waitForURL('/'), page.click('button[type="submit"]')]);
}

export async function publish(
  page: Page,
  article: { title: string; description: string; body: string; tags?: string[] },
) {
  await page.goto('/editor');
  await page.fill('input[name="title"]', article.title);
  await page.fill('input[name="description"]', article.description);
  await page.fill('textarea[name="body"]', article.body);
  for (const tag of article.tags ?? []) {
    await page.fill('input[placeholder="Enter tags"]', tag);
    await page.press('input[placeholder="Enter tags"]', 'Enter');
  }
  await Promise.all([page.waitForURL(/\/article\/.+/), page.click('button:has-text("Publish Article")')]);
}
