import type { Locator, Page } from '@playwright/test';
import { test, expect, hydrated, uniqueUser, register, publish } from './fixtures';

// With JavaScript on, a button that posts is disabled and shows a spinner until its answer
// arrives: the server functions are held back here so the pending state can be seen.
async function holdServerFunctions(page: Page) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/rpc/**', async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

async function expectPending(button: Locator) {
  await expect(button).toBeDisabled();
  await expect(button).toHaveAttribute('aria-busy', 'true');
  const spinner = await button.evaluate((el) => {
    const style = getComputedStyle(el, '::after');
    return { animation: style.animationName, width: parseFloat(style.width) };
  });
  expect(spinner.animation).toBe('conduit-spin');
  expect(spinner.width).toBeGreaterThan(0);
}

test('buttons that post are disabled and spin until the answer arrives', async ({ page }) => {
  const user = uniqueUser('pending');
  await register(page, user);
  await publish(page, { title: `Pending ${user.username}`, description: 'Waits', body: 'Body.' });
  await hydrated(page);

  // A comment.
  await page.fill('textarea[name="body"]', 'A comment that waits');
  let release = await holdServerFunctions(page);
  const post = page.locator('button', { hasText: 'Post Comment' });
  await post.click();
  await expectPending(post);
  release();
  await expect(page.locator('.card .card-text', { hasText: 'A comment that waits' })).toBeVisible();
  await expect(post).toHaveAttribute('aria-busy', 'false');
  await page.unroute('**/rpc/**');

  // Deleting it.
  release = await holdServerFunctions(page);
  const remove = page.locator('button[aria-label="Delete comment"]');
  await remove.click();
  await expectPending(remove);
  release();
  await expect(page.locator('.card .card-text', { hasText: 'A comment that waits' })).toHaveCount(0);
  await page.unroute('**/rpc/**');

  // Signing out.
  await page.goto('/settings');
  await hydrated(page);
  release = await holdServerFunctions(page);
  const logout = page.locator('button', { hasText: 'Or click here to logout.' });
  await logout.click();
  await expectPending(logout);
  release();
  await page.waitForURL('/');
});
