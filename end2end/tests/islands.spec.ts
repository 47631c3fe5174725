import { test, expect, hydrated, uniqueUser, register, publish } from './fixtures';

// Issue 20, item 3: only the interactive parts are hydrated (islands). The article page shows
// its favorite and follow buttons twice, in the banner and under the body: one click answers
// in place, without a page load, and both copies follow. A visitor is sent to sign in.

const notReloaded = (page: import('@playwright/test').Page) =>
  page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded);

test('the favorite and follow buttons answer in place, and both copies follow', async ({ page, browser }) => {
  const author = uniqueUser('island');
  await register(page, author);
  await publish(page, { title: `Islands ${author.username}`, description: 'Both buttons', body: 'Body.' });
  const articleUrl = page.url();

  const context = await browser.newContext();
  const reader = await context.newPage();
  await register(reader, uniqueUser('islander'));
  await reader.goto(articleUrl);
  await hydrated(reader);
  await reader.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

  const hearts = reader.locator('.favorite-form button');
  const follows = reader.locator('.follow-form button');
  await expect(hearts).toHaveCount(2);
  await expect(hearts).toHaveText([' Favorite Article (0)', ' Favorite Article (0)']);
  await hearts.first().click();
  await expect(hearts).toHaveText([' Unfavorite Article (1)', ' Unfavorite Article (1)']);
  await expect(hearts.nth(1)).toHaveClass(/btn-primary/);
  await hearts.nth(1).click();
  await expect(hearts).toHaveText([' Favorite Article (0)', ' Favorite Article (0)']);

  await expect(follows).toHaveText([` Follow ${author.username}`, ` Follow ${author.username}`]);
  await follows.nth(1).click();
  await expect(follows).toHaveText([` Unfollow ${author.username}`, ` Unfollow ${author.username}`]);
  expect(await notReloaded(reader)).toBe(true);

  // What the buttons showed is what the server kept.
  await reader.reload();
  await expect(follows.first()).toHaveText(` Unfollow ${author.username}`);
  await expect(hearts.first()).toHaveText(' Favorite Article (0)');
  await context.close();
});

test('a visitor who clicks a heart is sent to sign in', async ({ page }) => {
  const author = uniqueUser('islandv');
  await register(page, author);
  await publish(page, { title: `Visited ${author.username}`, description: 'Visitor', body: 'Body.' });
  await page.context().clearCookies();
  await page.goto(`/profile/${author.username}`);
  await hydrated(page);
  await Promise.all([page.waitForURL('/login'), page.locator('.article-preview .favorite-form button').first().click()]);
});
