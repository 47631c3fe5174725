import { test, expect, hydrated, uniqueUser, register, login, publish, watchConsole } from './fixtures';

function article(tag = 'e2e') {
  const id = `${Date.now()}${Math.floor(Math.random() * 1e4)}`;
  return {
    title: `Conduit e2e ${id}`,
    description: `About ${id}`,
    body: `# Heading ${id}\n\nSome **bold** text.`,
    tags: [tag, 'second'],
  };
}

test('sign up, sign out, sign in, and a failed sign-in', async ({ page }) => {
  const user = uniqueUser();
  await register(page, user);
  await expect(page.locator('.user-pic')).toHaveAttribute('src', /default-avatar\.svg/);
  // The session survives a reload.
  await page.reload();
  await expect(page.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();

  await page.click('a[href="/settings"]');
  await Promise.all([page.waitForURL('/'), page.click('button:has-text("Or click here to logout")')]);
  await expect(page.locator('.navbar a[href="/login"]')).toBeVisible();

  await page.goto('/login');
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', 'wrong-password');
  await page.click('button[type="submit"]');
  await expect(page.locator('.error-messages')).toContainText('invalid');
  await expect(page).toHaveURL(/\/login/);

  await login(page, user);
  await expect(page.locator('.navbar .nav-link', { hasText: user.username })).toBeVisible();
});

test('signing up with a taken username shows the error', async ({ page, browser }) => {
  const user = uniqueUser();
  await register(page, user);
  const other = await browser.newContext();
  const problems: string[] = [];
  watchConsole(other, problems);
  const page2 = await other.newPage();
  await page2.goto('/register');
  await hydrated(page2);
  await page2.fill('input[name="username"]', user.username);
  await page2.fill('input[name="email"]', `x${user.email}`);
  await page2.fill('input[name="password"]', 'password123');
  await page2.click('button[type="submit"]');
  await expect(page2.locator('.error-messages')).toContainText('username has already been taken');
  await other.close();
  expect(problems).toEqual([]);
});

test('pages that need a user send visitors to sign in', async ({ page }) => {
  for (const path of ['/editor', '/settings', '/?feed=following']) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/login$/);
  }
});

test('write, read, edit, favorite, comment and delete an article', async ({ page }) => {
  const user = uniqueUser('writer');
  await register(page, user);
  const a = article();
  await publish(page, a);
  await expect(page.locator('.article-page .banner h1')).toHaveText(a.title);
  await expect(page.locator('.article-content h1')).toHaveText(`Heading ${a.title.split(' ').pop()}`);
  await expect(page.locator('.article-content strong')).toHaveText('bold');
  await expect(page.locator('.article-content .tag-list li')).toHaveText(['e2e', 'second']);
  const slug = page.url().split('/article/')[1];

  // Edit: only the body changes, so the slug stays.
  await page.click('a:has-text("Edit Article") >> nth=0');
  await expect(page).toHaveURL(new RegExp(`/editor/${slug}$`));
  await expect(page.locator('input[name="title"]')).toHaveValue(a.title);
  await page.fill('textarea[name="body"]', 'An edited body.');
  await Promise.all([page.waitForURL(new RegExp(`/article/${slug}$`)), page.click('button:has-text("Publish Article")')]);
  await expect(page.locator('.article-content')).toContainText('An edited body.');

  // Comment, then delete the comment.
  await page.fill('textarea[placeholder="Write a comment..."]', 'First comment');
  await page.click('button:has-text("Post Comment")');
  await expect(page.locator('.card:not(.comment-form) .card-block')).toHaveText(['First comment']);
  await expect(page.locator('textarea[placeholder="Write a comment..."]')).toHaveValue('');
  await page.locator('.card', { hasText: 'First comment' }).locator('span.mod-options i.ion-trash-a').click();
  await expect(page.locator('.card:not(.comment-form) .card-block')).toHaveCount(0);

  // The article is listed in the global feed, its tag feed and the author's profile.
  await page.goto('/');
  await expect(page.locator('.article-preview h1', { hasText: a.title })).toBeVisible();
  await page.goto('/tag/e2e');
  await expect(page.locator('.article-preview h1', { hasText: a.title })).toBeVisible();
  await expect(page.locator('.feed-toggle .nav-link.active')).toContainText('e2e');
  await page.goto(`/profile/${user.username}`);
  await expect(page.locator('.article-preview h1', { hasText: a.title })).toBeVisible();
  await expect(page.locator('a:has-text("Edit Profile Settings")')).toBeVisible();

  // Delete it.
  await page.goto(`/article/${slug}`);
  await Promise.all([page.waitForURL('/'), page.click('button:has-text("Delete Article") >> nth=0')]);
  const gone = await page.request.get(`/article/${slug}`);
  expect(gone.status()).toBe(404);
});

test('two users: follow, feed, favorite and comment permissions', async ({ page, browser }) => {
  const author = uniqueUser('author');
  await register(page, author);
  const a = article('social');
  await publish(page, a);
  const slug = page.url().split('/article/')[1];
  await page.fill('textarea[placeholder="Write a comment..."]', 'Comment by the author');
  await page.click('button:has-text("Post Comment")');
  await expect(page.locator('.card:not(.comment-form) .card-block')).toHaveCount(1);

  const readerContext = await browser.newContext();
  const problems: string[] = [];
  watchConsole(readerContext, problems);
  const reader = await readerContext.newPage();
  await register(reader, uniqueUser('reader'));

  // Your Feed is empty until the reader follows the author.
  await reader.goto('/?feed=following');
  await expect(reader.locator('.empty-feed-message')).toContainText('Your feed is empty');
  await reader.goto(`/profile/${author.username}`);
  await hydrated(reader);
  await reader.click(`button:has-text("Follow ${author.username}")`);
  await expect(reader.locator(`button:has-text("Unfollow ${author.username}")`)).toBeVisible();
  await reader.goto('/?feed=following');
  await expect(reader.locator('.article-preview h1', { hasText: a.title })).toBeVisible();

  // Favorite from the article page; the profile's Favorited Articles tab lists it.
  await reader.goto(`/article/${slug}`);
  await hydrated(reader);
  await reader.locator('button.btn-outline-primary:has-text("Favorite")').first().click();
  await expect(reader.locator('button.btn-primary:has-text("Unfavorite")').first()).toBeVisible();

  // The reader cannot delete the author's comment or edit the article.
  await expect(reader.locator('span.mod-options')).toHaveCount(0);
  await expect(reader.locator('a:has-text("Edit Article")')).toHaveCount(0);
  await reader.goto(`/editor/${slug}`);
  await expect(reader.locator('.error-messages')).toContainText('only edit your own');

  await readerContext.close();
  expect(problems).toEqual([]);
});

test('back and forward navigation keep the right page', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  await page.click('a[href="/login"]');
  await expect(page.locator('h1')).toHaveText('Sign in');
  await page.click('a[href="/register"] >> nth=0');
  await expect(page.locator('h1')).toHaveText('Sign up');
  await page.goBack();
  await expect(page.locator('h1')).toHaveText('Sign in');
  await page.goBack();
  await expect(page.locator('.banner h1')).toHaveText('conduit');
  await page.goForward();
  await expect(page.locator('h1')).toHaveText('Sign in');
});

test('script injection is rendered inert everywhere', async ({ page }) => {
  let dialogs = 0;
  page.on('dialog', async (d) => {
    dialogs++;
    await d.dismiss();
  });
  const user = uniqueUser('xss');
  await register(page, user);
  const payload = '<img src=x onerror=alert(1)><script>alert(2)</script>';
  await publish(page, {
    title: `XSS <script>alert(3)</script> ${Date.now()}`,
    description: payload,
    body: `${payload}\n\n[link](javascript:alert(4))\n\n<iframe src="https://example.com"></iframe><div style="position:fixed">x</div>`,
    tags: ['<b>tag</b>'],
  });
  await page.fill('textarea[placeholder="Write a comment..."]', payload);
  await page.click('button:has-text("Post Comment")');
  await expect(page.locator('.card:not(.comment-form) .card-block')).toContainText('<script>');
  const content = await page.locator('.article-content').innerHTML();
  expect(content).not.toMatch(/<script|onerror|javascript:|<iframe|style=/i);
  await expect(page.locator('.article-page .banner h1')).toContainText('<script>alert(3)</script>');
  await page.goto('/');
  await page.goto(`/profile/${user.username}`);
  expect(dialogs).toBe(0);
});
