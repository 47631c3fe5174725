import { test, expect, hydrated, uniqueUser, register, publish } from './fixtures';

// Each page describes itself once: following a link with JavaScript on, the next page has its
// own description, canonical link, feed link and title, and no trace of the last one's.
test('navigating with JavaScript keeps one description, canonical link and feed per page', async ({ page }) => {
  const user = uniqueUser('findable');
  await register(page, user);
  const tag = `find${Date.now().toString(36)}`;
  const description = `Found through ${tag}`;
  await publish(page, { title: `Findable ${tag}`, description, body: 'Body.', tags: [tag] });
  await page.goto(`/tag/${tag}`);
  await hydrated(page);
  const head = () =>
    page.evaluate(() => ({
      descriptions: [...document.querySelectorAll('meta[name="description"]')].map((m) => m.getAttribute('content')),
      canonical: [...document.querySelectorAll('link[rel="canonical"]')].map((l) => new URL(l.getAttribute('href')!).pathname),
      feeds: [...document.querySelectorAll('link[rel="alternate"][type="application/atom+xml"]')].map(
        (l) => new URL(l.getAttribute('href')!).pathname,
      ),
    }));
  expect(await head()).toEqual({
    descriptions: [`The newest Conduit articles tagged ${tag}.`],
    canonical: [`/tag/${tag}`],
    feeds: [`/tag/${tag}/feed.atom`],
  });

  await page.locator('.article-preview a.preview-link').first().click();
  await expect(page.locator('.article-page h1')).toHaveText(`Findable ${tag}`);
  await expect.poll(head).toEqual({
    descriptions: [description],
    canonical: [expect.stringMatching(/^\/article\//)],
    feeds: [`/profile/${user.username}/feed.atom`],
  });
  await expect(page).toHaveTitle(`Findable ${tag} — Conduit`);

  // The feed the page links to is there and lists the article.
  const feed = await page.request.get(`/profile/${user.username}/feed.atom`);
  expect(feed.headers()['content-type']).toBe('application/atom+xml; charset=utf-8');
  expect(await feed.text()).toContain(`<title>Findable ${tag}</title>`);
});
