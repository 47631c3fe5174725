// Before/after screenshots for issue 21 (item 4): the same server and markup, drawn with the
// stylesheet from before the WCAG AA change and with the current one, light and dark schemes.
//   git show 1018d06^:style/main.css > /tmp/before.css
//   node docs/screenshots/take.mjs http://127.0.0.1:3000 SLUG /tmp/before.css docs/screenshots
// (a server running the small seeded set; JavaScript off, so nothing but the CSS differs).
import { chromium } from '../../end2end/node_modules/playwright/index.mjs';
import fs from 'node:fs';
const [base, slug, beforeCss, outDir] = process.argv.slice(2);
const before = fs.readFileSync(beforeCss, 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [name, path] of [['home', '/'], ['article', `/article/${slug}`]]) {
  for (const [variant, scheme, css] of [['before', 'light', before], ['after', 'light', null], ['after-dark', 'dark', null]]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: scheme, javaScriptEnabled: false });
    const page = await context.newPage();
    if (css) await page.route('**/pkg/conduit*.css', (route) => route.fulfill({ contentType: 'text/css', body: css }));
    await page.goto(base + path);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: `${outDir}/${name}-${variant}.jpg`, type: 'jpeg', quality: 70 });
    await context.close();
  }
}
await browser.close();
