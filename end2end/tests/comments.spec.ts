import { test, expect, hydrated, uniqueUser, login } from './fixtures';

// Issue 18, item 5: the article page shows one page of comments (20, newest first) and links to
// older and newer ones: plain links with `?comments=N`, so paging works the same with JavaScript
// on and off. With JavaScript, the comments are an island: a comment posted on the first page
// joins the list in place.

const TOTAL = 25;
const PER_PAGE = 20;

/** "Comment 25", "Comment 24", ... down to "Comment `to`". */
function newestFirst(from: number, to: number) {
  const out: string[] = [];
  for (let i = from; i >= to; i--) out.push(`Comment ${String(i).padStart(2, '0')}`);
  return out;
}

let slug = '';
const author = uniqueUser('pager');

test.beforeAll(async ({ playwright }, testInfo) => {
  const request = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
  // One writer: the article and 25 comments are within the per-user write burst (30), with
  // room for one more comment in a test.
  const user = await request.post('/api/users', { data: { user: author } });
  expect(user.status()).toBe(201);
  const headers = { Authorization: `Token ${(await user.json()).user.token}` };
  const article = await request.post('/api/articles', {
    headers,
    data: { article: { title: `Much discussed ${Date.now()}`, description: 'Comments', body: 'Talk.' } },
  });
  expect(article.status()).toBe(201);
  slug = (await article.json()).article.slug;
  for (let i = 1; i <= TOTAL; i++) {
    const resp = await request.post(`/api/articles/${slug}/comments`, {
      headers,
      data: { comment: { body: `Comment ${String(i).padStart(2, '0')}` } },
    });
    expect(resp.status()).toBe(201);
  }
  await request.dispose();
});

const comments = (page: import('@playwright/test').Page) => page.locator('.card:not(.comment-form) .card-block');
/** The article's URL with exactly this query (`''` for none). */
const at = (search: string) => (url: URL) => url.pathname === `/article/${slug}` && url.search === search;

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('comments page through plain links', async ({ page }) => {
    await page.goto(`/article/${slug}`);
    await expect(comments(page)).toHaveText(newestFirst(TOTAL, TOTAL - PER_PAGE + 1));
    await expect(page.locator('a.comments-newer')).toHaveCount(0);

    await Promise.all([page.waitForURL(at('?comments=2')), page.click('a.comments-older')]);
    await expect(comments(page)).toHaveText(newestFirst(TOTAL - PER_PAGE, 1));
    await expect(page.locator('a.comments-older')).toHaveCount(0);

    await Promise.all([page.waitForURL(at('')), page.click('a.comments-newer')]);
    await expect(comments(page)).toHaveText(newestFirst(TOTAL, TOTAL - PER_PAGE + 1));

    // A page past the last one says so and leads back.
    await page.goto(`/article/${slug}?comments=7`);
    await expect(comments(page)).toHaveCount(0);
    await expect(page.locator('.comment-pages')).toContainText('No comments on this page.');
    await Promise.all([page.waitForURL(at('')), page.click('a.comments-newest')]);
    await expect(comments(page)).toHaveCount(PER_PAGE);
  });
});

test.describe('with JavaScript', () => {
  test('comments page, and a new comment shows on the first page', async ({ page }) => {
    await login(page, author);
    await page.goto(`/article/${slug}`);
    await hydrated(page);
    await expect(comments(page)).toHaveText(newestFirst(TOTAL, TOTAL - PER_PAGE + 1));

    await page.click('a.comments-older');
    await expect(page).toHaveURL(at('?comments=2'));
    await expect(comments(page)).toHaveText(newestFirst(TOTAL - PER_PAGE, 1));
    await page.click('a.comments-newer');
    await expect(page).toHaveURL(at(''));
    await expect(comments(page)).toHaveText(newestFirst(TOTAL, TOTAL - PER_PAGE + 1));
    await page.click('a.comments-older');
    await expect(comments(page)).toHaveText(newestFirst(TOTAL - PER_PAGE, 1));
    await hydrated(page);

    // Posting from an older page goes to the newest comments, where the new one is.
    await page.fill('textarea[placeholder="Write a comment..."]', 'Comment 26');
    await page.click('button:has-text("Post Comment")');
    await expect(page).toHaveURL(at(''));
    await expect(comments(page).first()).toHaveText('Comment 26');
    await expect(comments(page)).toHaveCount(PER_PAGE);

    // On the first page, a new comment joins the list in place: no page load, a fresh form.
    await hydrated(page);
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await page.fill('textarea[placeholder="Write a comment..."]', 'Comment 27');
    await page.click('button:has-text("Post Comment")');
    await expect(comments(page).first()).toHaveText('Comment 27');
    await expect(comments(page).nth(1)).toHaveText('Comment 26');
    await expect(page.locator('textarea[placeholder="Write a comment..."]')).toHaveValue('');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });
});
