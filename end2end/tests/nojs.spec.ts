import { test, expect, registerWithoutJs } from './fixtures';

// Every key flow with JavaScript disabled: plain HTML forms posted to the server functions,
// which answer with redirects, exactly where the hydrated app would go.
test.use({ javaScriptEnabled: false });

test('sign up, sign out and sign in without JavaScript', async ({ page }) => {
  const user = await registerWithoutJs(page);
  await expect(page.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();
  await page.goto('/settings');
  await Promise.all([page.waitForURL('/'), page.click('button:has-text("Or click here to logout")')]);
  await expect(page.locator('.navbar a[href="/login"]')).toBeVisible();

  // A failed sign-in stays on /login and shows the error.
  await page.goto('/login');
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', 'not-the-password');
  await page.click('button[type="submit"]');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.locator('.error-messages')).toContainText('invalid');

  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([page.waitForURL('/'), page.click('button[type="submit"]')]);
  await expect(page.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();
});

test('publish with a raw tag, favorite, comment and delete without JavaScript', async ({ page }) => {
  const user = await registerWithoutJs(page);
  const title = `No JS article ${Date.now()}`;
  await page.goto('/editor');
  await page.fill('input[name="title"]', title);
  await page.fill('input[name="description"]', 'Written with scripts off');
  await page.fill('textarea[name="body"]', 'Plain *markdown*.');
  await page.fill('input[placeholder="Enter tags"]', 'nojs');
  // Enter in the tag field submits the form: the server takes the raw tag text.
  await Promise.all([page.waitForURL(/\/article\/.+/), page.press('input[placeholder="Enter tags"]', 'Enter')]);
  await expect(page.locator('.article-page .banner h1')).toHaveText(title);
  await expect(page.locator('.article-content .tag-list li')).toHaveText(['nojs']);
  await expect(page.locator('.article-content em')).toHaveText('markdown');

  // A blank comment is refused with a message on the same page.
  await page.click('button:has-text("Post Comment")');
  await expect(page.locator('.error-messages')).toContainText("can't be blank");
  await page.fill('textarea[placeholder="Write a comment..."]', 'Said without scripts');
  await page.click('button:has-text("Post Comment")');
  await expect(page.locator('.card:not(.comment-form) .card-block')).toHaveText(['Said without scripts']);
  await page.locator('span.mod-options button').click();
  await expect(page.locator('.card:not(.comment-form) .card-block')).toHaveCount(0);

  // Favorite from the home page list.
  await page.goto('/');
  const preview = page.locator('.article-preview', { hasText: title });
  await preview.locator('button.btn-outline-primary').click();
  await expect(page.locator('.article-preview', { hasText: title }).locator('button.btn-primary')).toContainText('1');

  // Settings land on the profile.
  await page.goto('/settings');
  await page.fill('textarea[name="bio"]', 'I browse without JavaScript.');
  await Promise.all([page.waitForURL(new RegExp(`/profile/${user.username}$`)), page.click('button:has-text("Update Settings")')]);
  await expect(page.locator('.user-info p')).toHaveText('I browse without JavaScript.');

  // Delete the article.
  await page.goto('/');
  await page.locator('.article-preview', { hasText: title }).locator('.preview-link').click();
  await Promise.all([page.waitForURL('/'), page.click('button:has-text("Delete Article") >> nth=0')]);
  await expect(page.locator('.article-preview', { hasText: title })).toHaveCount(0);
});

test('protected pages redirect on the server', async ({ page }) => {
  await page.goto('/editor');
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/settings');
  await expect(page).toHaveURL(/\/login$/);
});
