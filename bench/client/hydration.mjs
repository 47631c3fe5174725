// Time from navigation to hydrated for the home and article pages in headless chromium, and
// every request a page makes to another host. Prints one JSON object.
//
//   node bench/client/hydration.mjs <base URL> <article path> [runs]
//
// "Hydrated" is the moment the app's first effect marks <html data-hydrated="true">, observed
// from an init script and timed with performance.now() (milliseconds since navigation start).
// Each run uses a fresh browser context, so nothing is cached: the slowest honest case.
import { launch, median } from './browser.mjs';

const [base, articlePath, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 10);
const origin = new URL(base).origin;

const browser = await launch();

async function measure(path) {
  const samples = { hydrated_ms: [], dom_content_loaded_ms: [], load_ms: [] };
  const otherHosts = new Map();
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Requests to other hosts are counted and refused, so that no timing waits on the network.
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === origin) return route.continue();
      const key = `${route.request().resourceType()} ${url.host}`;
      otherHosts.set(key, (otherHosts.get(key) ?? 0) + 1);
      return route.abort();
    });
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.documentElement?.dataset.hydrated === 'true') {
          window.__hydratedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
    });
    await page.goto(base + path);
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30000 });
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return { hydrated: window.__hydratedAt, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
    });
    samples.hydrated_ms.push(t.hydrated);
    samples.dom_content_loaded_ms.push(t.dcl);
    samples.load_ms.push(t.load);
    await context.close();
  }
  const round = (x) => Math.round(x * 10) / 10;
  return {
    runs,
    hydrated_median_ms: round(median(samples.hydrated_ms)),
    hydrated_max_ms: round(Math.max(...samples.hydrated_ms)),
    dom_content_loaded_median_ms: round(median(samples.dom_content_loaded_ms)),
    load_median_ms: round(median(samples.load_ms)),
    other_hosts: Object.fromEntries(otherHosts),
  };
}

const result = { home: await measure('/'), article: await measure(articlePath) };
await browser.close();
console.log(JSON.stringify(result));
