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

/**
 * Collects console errors, hydration warnings and uncaught exceptions, any 5xx answer, and any
 * of the app's own assets that fails to load. Chrome also logs every non-2xx fetch as a console
 * error ("Failed to load resource"); those are expected for refused actions and 404 pages, so
 * they are judged by the response checks instead.
 */
export function watchConsole(context: BrowserContext, problems: string[]) {
  context.on('page', (page) => {
    page.on('console', (msg) => {
      const text = msg.text();
      if (/^Failed to load resource/.test(text)) return;
      if (msg.type() === 'error' || /hydrat/i.test(text)) problems.push(`${msg.type()}: ${text}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (response.status() >= 500) problems.push(`${response.status()} from ${url.pathname}`);
      const asset = /^\/(pkg|fonts)\/|^\/(favicon|default-avatar)\.svg$/.test(url.pathname);
      if (asset && response.status() >= 400) problems.push(`asset ${url.pathname}: ${response.status()}`);
    });
    page.on('requestfailed', (request) => {
      if (new URL(request.url()).hostname !== '127.0.0.1') problems.push(`request to another host: ${request.url()}`);
    });
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

/** Signs a new user up with JavaScript off (no wait for hydration), and returns the user. */
export async function registerWithoutJs(page: Page, prefix = 'nojs') {
  const user = uniqueUser(prefix);
  await page.goto('/register');
  await page.fill('input[name="username"]', user.username);
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([page.waitForURL('/'), page.click('button[type="submit"]')]);
  return user;
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
