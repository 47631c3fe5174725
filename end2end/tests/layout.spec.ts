import type { Locator } from '@playwright/test';
import { test, expect, hydrated, uniqueUser, register, publish } from './fixtures';

// The Conduit design, checked by where things are drawn, not by the markup: in an article
// preview the favorite button sits at the right end of the author row; on the article page the
// two action buttons share one row.
const viewports = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 375, height: 667 },
};

type Box = { x: number; y: number; width: number; height: number };

/**
 * Where each part of `container` is drawn, all read in one layout: web fonts swap in as they
 * arrive and move everything below them, so boxes read one call apart may come from two
 * different layouts. Each part is a CSS selector, optionally with text its element contains;
 * the empty selector is the container itself.
 */
async function boxes(container: Locator, parts: [string, string?][]): Promise<Box[]> {
  await container.page().evaluate(() => document.fonts.ready);
  const found = await container.evaluate((root, parts) => parts.map(([selector, text]) => {
    const element = selector === ''
      ? root
      : [...root.querySelectorAll(selector)].find((e) => !text || (e.textContent ?? '').includes(text));
    if (!element) return null;
    const { x, y, width, height } = element.getBoundingClientRect();
    return { x, y, width, height };
  }), parts);
  found.forEach((b, i) => expect(b, `${container} has ${parts[i].join(' ')}`).not.toBeNull());
  return found as Box[];
}

/** Whether two boxes share a row: their vertical extents overlap. */
function sameRow(a: { y: number; height: number }, b: { y: number; height: number }) {
  return a.y < b.y + b.height && b.y < a.y + a.height;
}

for (const [size, viewport] of Object.entries(viewports)) {
  test(`previews and article actions keep the Conduit layout, ${size}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    const user = uniqueUser('layout');
    await register(page, user);
    const tag = `layout${Date.now().toString(36)}`;
    await publish(page, { title: `Layout ${tag}`, description: 'Where things are', body: 'Body.', tags: [tag] });
    await hydrated(page);
    const article = page.url();

    // The author's two buttons, in the banner and under the article.
    for (const actions of [page.locator('.banner .article-meta'), page.locator('.article-actions .article-meta')]) {
      const [edit, remove] = await boxes(actions, [['a', 'Edit Article'], ['button', 'Delete Article']]);
      expect(sameRow(edit, remove), `Edit ${JSON.stringify(edit)} and Delete ${JSON.stringify(remove)} share a row`).toBe(true);
      expect(remove.x).toBeGreaterThanOrEqual(edit.x + edit.width);
    }

    // Every preview of a list: the favorite button on the author's row, at its right end.
    for (const path of [`/tag/${tag}`, `/profile/${user.username}`]) {
      await page.goto(path);
      await hydrated(page);
      const previews = page.locator('.article-preview:has(.article-meta)');
      await expect(previews).not.toHaveCount(0);
      for (const preview of await previews.all()) {
        const [meta, info, button] = await boxes(preview.locator('.article-meta'), [[''], ['.info'], ['button']]);
        expect(sameRow(info, button), `${path}: author ${JSON.stringify(info)} and button ${JSON.stringify(button)} share a row`).toBe(true);
        expect(button.x).toBeGreaterThan(info.x + info.width);
        // Right-aligned: the button ends where the row ends.
        expect(Math.abs(button.x + button.width - (meta.x + meta.width))).toBeLessThanOrEqual(1);
      }
    }

    // A reader's buttons: Follow and Favorite share a row, in the banner and under the article.
    await page.context().clearCookies();
    await register(page, uniqueUser('reader'));
    await page.goto(article);
    await hydrated(page);
    for (const actions of [page.locator('.banner .article-meta'), page.locator('.article-actions .article-meta')]) {
      const [follow, favorite] = await boxes(actions, [['button', 'Follow'], ['button', 'Favorite']]);
      expect(sameRow(follow, favorite), `Follow ${JSON.stringify(follow)} and Favorite ${JSON.stringify(favorite)} share a row`).toBe(true);
      expect(favorite.x).toBeGreaterThanOrEqual(follow.x + follow.width);
    }
  });
}
