import { defineConfig } from '@playwright/test';

// The suite runs against the freshly built server (scripts/test.sh builds target/debug/conduit
// and the site; CONDUIT_E2E_SERVER names another build) on an empty SQLite database in a
// temporary directory, started here and stopped when the suite ends.
const port = Number(process.env.CONDUIT_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const server = process.env.CONDUIT_E2E_SERVER ?? '../target/debug/conduit';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's chromium: Playwright's own browser download does not work on these machines.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command:
      `data_dir=$(mktemp -d) && CONDUIT_DATA_DIR="$data_dir" exec ${server}`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      CONDUIT_LISTEN_ADDR: `127.0.0.1:${port}`,
      // Suites run side by side on one machine: no fixed metrics port.
      CONDUIT_METRICS_ADDR: 'off',
      LEPTOS_SITE_ROOT: '../target/site',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_ENV: 'PROD',
      RUST_LOG: 'warn',
    },
  },
});
