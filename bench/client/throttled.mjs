// Time to interactive on a phone-like profile, for any Leptos app (Conduit and Bechma alike):
// headless chromium with the CPU slowed 4x and the network of Lighthouse's mobile preset as
// DevTools applies it ("Fast 3G": 562.5 ms per request, 1,474.56 kbit/s down, 675 up), both
// through the DevTools protocol. Prints one JSON object.
//
//   node bench/client/throttled.mjs <base URL> <article path> [runs]
//
// Cold: a fresh browser context, nothing cached. Warm: the same page again in a new tab of that
// context, its cache kept. "Interactive" is when the page's WASM has been instantiated and the
// hydration that follows it in the same task has run: the init script wraps
// WebAssembly.instantiate(Streaming) and, when the module is ready, schedules a timer, which runs
// after the hydration script's `.then(() => hydrate())`. Bytes are what the page downloaded
// (encoded, over the emulated network) until then.
import { launch, median } from './browser.mjs';

const [base, articlePath, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: (1474.56 * 1024) / 8, uploadThroughput: (675 * 1024) / 8 };

const browser = await launch();

function markInteractive() {
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      return original.apply(this, args).then((result) => {
        setTimeout(() => {
          window.__interactiveAt ??= performance.now();
        });
        return result;
      });
    };
  }
}

/** One load of `path` in a new tab of `context`, throttled: ms to interactive, bytes fetched. */
async function load(context, path) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', FAST_3G);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  let bytes = 0;
  const kinds = {};
  cdp.on('Network.loadingFinished', ({ encodedDataLength }) => {
    bytes += encodedDataLength;
  });
  cdp.on('Network.responseReceived', ({ response, type }) => {
    if (!response.fromDiskCache) kinds[type] = (kinds[type] ?? 0) + 1;
  });
  await page.addInitScript(markInteractive);
  await page.goto(base + path, { timeout: 60000 });
  await page.waitForFunction(() => window.__interactiveAt !== undefined, null, { timeout: 60000 });
  const ms = await page.evaluate(() => window.__interactiveAt);
  await page.close();
  return { ms, bytes, kinds };
}

async function measure(path) {
  const cold = [];
  const warm = [];
  let coldBytes = 0;
  let warmBytes = 0;
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const first = await load(context, path);
    const second = await load(context, path);
    cold.push(first.ms);
    warm.push(second.ms);
    coldBytes = first.bytes;
    warmBytes = second.bytes;
    await context.close();
  }
  const round = (x) => Math.round(x);
  return {
    runs,
    cold_median_ms: round(median(cold)),
    cold_max_ms: round(Math.max(...cold)),
    warm_median_ms: round(median(warm)),
    warm_max_ms: round(Math.max(...warm)),
    cold_bytes: coldBytes,
    warm_bytes: warmBytes,
  };
}

const result = { profile: 'cpu 4x, fast 3g (562.5 ms, 1474.56/675 kbit/s)', home: await measure('/'), article: await measure(articlePath) };
await browser.close();
console.log(JSON.stringify(result));
