import { defineConfig } from "@playwright/test";
import { PARLOR_PORT, DEMO_PORT, CUSTOMER_PORT, DATA_DIR, PARLOR_BIN, REPO_ROOT } from "./tests/env";

// Parlor runs on localhost and the "customer" pages on 127.0.0.1: two origins, two sites, as
// when a website embeds the widget from a Parlor server elsewhere.
export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: "list",
  use: {
    launchOptions: {
      executablePath: process.env.PARLOR_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-quic",
        "--no-first-run",
      ],
    },
    trace: "off",
    screenshot: "only-on-failure",
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: [
    {
      command: `${PARLOR_BIN} serve --addr 127.0.0.1:${PARLOR_PORT} --demo-addr 127.0.0.1:${DEMO_PORT} --data-dir ${DATA_DIR}`,
      cwd: REPO_ROOT,
      url: `http://127.0.0.1:${PARLOR_PORT}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      // Loopback is opened for outbound requests so that the webhook test's receiver is reachable.
      // Every test's visitor has the same IP, so the widget's per-IP chat limit is raised above
      // what the whole suite sends in a minute.
      env: {
        DATABASE_URL: "",
        PARLOR_RESPONDER_DELAY_MS: "25",
        RUST_LOG: "warn",
        PARLOR_OUTBOUND_ALLOW: "127.0.0.1/32",
        PARLOR_WIDGET_CHAT_PER_MINUTE: "300",
      },
    },
    {
      command: `node customer-site.mjs ${CUSTOMER_PORT}`,
      url: `http://127.0.0.1:${CUSTOMER_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 20_000,
    },
  ],
});
