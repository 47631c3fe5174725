import { test, expect, uniqueUser, register, login, hydrated, watchConsole } from './fixtures';

// A password change asks for the current password, keeps this browser signed in and signs
// every other browser out (issue 18, item 4).

const newPassword = 'a brand new password';
const update = 'button:has-text("Update Settings")';

test('a password change asks for the current one and signs other browsers out', async ({ page, browser, consoleProblems }) => {
  const user = uniqueUser('pw');
  await register(page, user);
  const elsewhere = await browser.newContext();
  watchConsole(elsewhere, consoleProblems);
  const other = await elsewhere.newPage();
  await login(other, user);
  await expect(other.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();

  await page.goto('/settings');
  await hydrated(page);
  await page.fill('input[name="password"]', newPassword);
  await page.click(update);
  await expect(page.locator('.error-messages')).toContainText("current password can't be blank");
  await page.fill('input[name="current_password"]', 'not my password');
  await page.click(update);
  await expect(page.locator('.error-messages')).toContainText('current password is incorrect');
  await page.fill('input[name="current_password"]', user.password);
  await Promise.all([page.waitForURL(new RegExp(`/profile/${user.username}$`)), page.click(update)]);

  // This browser stays signed in, across a reload.
  await page.reload();
  await expect(page.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();
  // The other one is signed out: its protected pages send it to sign in.
  await other.goto('/settings');
  await expect(other).toHaveURL(/\/login/);
  await expect(other.locator('.navbar a[href="/login"]')).toBeVisible();
  await login(other, { email: user.email, password: newPassword });
  await expect(other.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();
  await elsewhere.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the settings form refuses a new password without the current one', async ({ page }) => {
    const user = uniqueUser('pwnojs');
    const signUp = await page.request.post('/api/users', { data: { user } });
    expect(signUp.status()).toBe(201);
    await login(page, user);

    await page.goto('/settings');
    await page.fill('input[name="password"]', newPassword);
    await page.fill('input[name="current_password"]', 'not my password');
    await page.click(update);
    await expect(page).toHaveURL(/\/settings/);
    await expect(page.locator('.error-messages')).toContainText('current password is incorrect');

    await page.fill('input[name="password"]', newPassword);
    await page.fill('input[name="current_password"]', user.password);
    await Promise.all([page.waitForURL(new RegExp(`/profile/${user.username}$`)), page.click(update)]);
    await expect(page.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();
  });
});
