import { test, expect, hydrated, uniqueUser, login } from './fixtures';
import type { APIRequestContext, Page } from '@playwright/test';

// Issue 21, item 2: the API stores any string as a user's `image` (the spec's schema says so),
// and every page shows it only when it is an http(s) URL or a path on this site; anything else
// gets the default avatar. The payloads are the official browser suite's, and a few more that
// would leave the attribute or the site. Checked with JavaScript off (server-rendered HTML) and
// on (hydrated, and rendered by the WASM in the comments island after posting a comment).

const PAYLOADS = [
  'https://example.com/img.jpg"onerror="alert(1)',
  'https://example.com/img.jpg"onerror="javascript:alert(document.cookie)',
  'https://example.com/img.jpg"onload="alert(1)',
  'https://x.com/img.jpg"onerror="alert(document.cookie)',
  "https://x.com/img.jpg' onerror='alert(1)",
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'data:image/svg+xml,<svg onload=alert(1)>',
  '//evil.example/a.png',
];
const DEFAULT_AVATAR = '/default-avatar.svg';
// A bio is text wherever it shows: markup in it is shown as written, never run.
const BIO = '<img src=x onerror="alert(1)"><script>alert(2)</script> & <b>bold</b>';

/** An author with an article and a comment on it, made through the API. */
async function author(request: APIRequestContext) {
  const user = uniqueUser('img');
  const created = await request.post('/api/users', { data: { user } });
  expect(created.status()).toBe(201);
  const headers = { Authorization: `Token ${(await created.json()).user.token}` };
  const article = await request.post('/api/articles', {
    headers,
    data: { article: { title: `Avatar check ${user.username}`, description: 'Images', body: 'Look at the avatars.' } },
  });
  expect(article.status()).toBe(201);
  const slug: string = (await article.json()).article.slug;
  const comment = await request.post(`/api/articles/${slug}/comments`, { headers, data: { comment: { body: 'Mine.' } } });
  expect(comment.status()).toBe(201);
  return { user, headers, slug };
}

/** Every image on the page shows the default avatar or a web URL, and no element has a handler. */
async function expectSafeImages(page: Page, where: string) {
  const images = await page.locator('img').evaluateAll((imgs) =>
    imgs.map((img) => ({ cls: img.className, src: img.getAttribute('src') ?? '' })),
  );
  // The navbar, the author's avatar in the page, and the comment's and the comment form's.
  expect(images.length, `${where}: avatars shown`).toBeGreaterThanOrEqual(2);
  for (const { cls, src } of images) {
    expect(src, `${where}: img.${cls}`).toBe(DEFAULT_AVATAR);
  }
  const handlers = await page.evaluate(() =>
    Array.from(document.querySelectorAll('*')).flatMap((el) =>
      Array.from(el.attributes)
        .filter((a) => a.name.startsWith('on'))
        .map((a) => `${el.tagName}[${a.name}]`),
    ),
  );
  expect(handlers, `${where}: event handler attributes`).toEqual([]);
}

for (const js of [false, true]) {
  test.describe(`image URLs with JavaScript ${js ? 'on' : 'off'}`, () => {
    test.use({ javaScriptEnabled: js });

    test('the API stores each payload and every page shows the default avatar', async ({ page, request }) => {
      test.setTimeout(120_000);
      const dialogs: string[] = [];
      page.on('dialog', async (dialog) => {
        dialogs.push(dialog.message());
        await dialog.dismiss();
      });
      const { user, headers, slug } = await author(request);
      await login(page, user);
      const settle = async () => {
        if (js) await hydrated(page);
      };

      for (const image of PAYLOADS) {
        const updated = await request.put('/api/user', { headers, data: { user: { image, bio: BIO } } });
        expect(updated.status(), image).toBe(200);
        expect((await updated.json()).user.image).toBe(image);
        expect((await updated.json()).user.bio).toBe(BIO);

        // Profile: the user's picture, the navbar's and the article preview's.
        await page.goto(`/profile/${user.username}`);
        await settle();
        await expect(page.locator('.user-img')).toHaveAttribute('src', DEFAULT_AVATAR);
        await expect(page.locator('.user-info p')).toHaveText(BIO);
        await expect(page.locator('.user-info p *')).toHaveCount(0);
        await expect(page.locator('.article-preview .article-meta img')).toHaveAttribute('src', DEFAULT_AVATAR);
        await expectSafeImages(page, `profile, ${image}`);

        // Article: the meta, the comment's author and the comment form.
        await page.locator('.article-preview a.preview-link').first().click();
        await page.waitForURL(`/article/${slug}`);
        await expect(page.locator('.card:not(.comment-form) .card-block')).toHaveText(['Mine.']);
        await expect(page.locator('.article-meta img').first()).toHaveAttribute('src', DEFAULT_AVATAR);
        await expectSafeImages(page, `article, ${image}`);
        // With JavaScript, a posted comment's card and the fresh form are rendered by the WASM.
        if (js) {
          await settle();
          const comment = `Posted with ${image.length} characters.`;
          await page.fill('textarea[name="body"]', comment);
          await page.click('button:has-text("Post Comment")');
          await expect(page.locator('.card:not(.comment-form) .card-block').first()).toHaveText(comment);
          await expect(page.locator('textarea[name="body"]')).toHaveValue('');
          await expect(page.locator('.card:not(.comment-form) .comment-author-img').first()).toHaveAttribute('src', DEFAULT_AVATAR);
          await expect(page.locator('.comment-form .comment-author-img')).toHaveAttribute('src', DEFAULT_AVATAR);
          await expectSafeImages(page, `article after a comment, ${image}`);
          // The posted comment goes again, so the next payload's page shows only "Mine.".
          await page.locator('button[aria-label="Delete comment"]').first().click();
          await expect(page.locator('.card:not(.comment-form) .card-block')).toHaveText(['Mine.']);
        }

        // Settings: the text field holds the stored string exactly (attribute escaping keeps it
        // one value), and the navbar shows the default avatar.
        await page.goto('/settings');
        await settle();
        await expect(page.locator('input[name="image"]')).toHaveValue(image);
        await expect(page.locator('textarea[name="bio"]')).toHaveValue(BIO);
        await expect(page.locator('.navbar .user-pic')).toHaveAttribute('src', DEFAULT_AVATAR);
        await expect(page.locator('.settings-avatar')).toHaveAttribute('src', DEFAULT_AVATAR);
        const shown = await page.locator('img').count();
        expect(shown, 'the navbar avatar').toBeGreaterThanOrEqual(1);
        await expect(page.locator('[onerror], [onload]')).toHaveCount(0);
      }
      // Slow payloads (an image that fails late) would fire after the checks: give them time.
      await page.waitForTimeout(500);
      expect(dialogs, 'dialogs opened').toEqual([]);

      // A web URL and a path on this site are shown as they are.
      for (const image of ['/avatars/2.svg', `http://127.0.0.1:${new URL(page.url()).port}/avatars/3.svg`]) {
        const updated = await request.put('/api/user', { headers, data: { user: { image } } });
        expect(updated.status(), image).toBe(200);
        await page.goto(`/profile/${user.username}`);
        await settle();
        await expect(page.locator('.user-img')).toHaveAttribute('src', image);
        await expect(page.locator('.navbar .user-pic')).toHaveAttribute('src', image);
        expect(await page.locator('.user-img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
        await page.goto('/settings');
        await settle();
        await expect(page.locator('.settings-avatar')).toHaveAttribute('src', image);
      }

      // Once the page is interactive, the settings preview follows the field as it is typed,
      // by the same rule.
      if (js) {
        const field = page.locator('input[name="image"]');
        const preview = page.locator('.settings-avatar');
        await field.fill('/avatars/4.svg');
        await expect(preview).toHaveAttribute('src', '/avatars/4.svg');
        for (const image of PAYLOADS) {
          await field.fill(image);
          await expect(preview, image).toHaveAttribute('src', DEFAULT_AVATAR);
        }
      }
    });
  });
}
