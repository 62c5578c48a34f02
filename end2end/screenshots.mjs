// Takes the README's pictures from a running Parlor (./scripts/run.sh): the demo page with the
// widget open after a question, the portal's home page, its API Keys page and the Widget SDK page. Usage: node screenshots.mjs
import { chromium } from "@playwright/test";

const out = new URL("../docs/images/", import.meta.url).pathname;
const browser = await chromium.launch({
  executablePath: process.env.PARLOR_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
await page.goto(process.env.DEMO_URL ?? "http://127.0.0.1:3001/");
await page.getByRole("button", { name: "Open chat" }).click();
await page.getByLabel("Your message").fill("How do you roast your beans?");
await page.getByRole("button", { name: "Send" }).click();
await page.locator("ul.citations li").waitFor();
await page.screenshot({ path: `${out}/widget.png` });
await page.goto(process.env.PORTAL_URL ?? "http://localhost:3000/");
await page.getByTestId("server-status").waitFor();
await page.screenshot({ path: `${out}/portal.png`, fullPage: true });
// The API Keys page of a new account, right after a key was created (its secret shown once).
const portal = process.env.PORTAL_URL ?? "http://localhost:3000";
await page.goto(`${portal}/sign-up`);
await page.locator("#email").fill(`screenshot-${Date.now()}@example.com`);
await page.locator("#password").fill("correct horse battery staple");
await page.locator("#workspace").fill("Acme support");
await page.getByRole("button", { name: "Create account" }).click();
await page.waitForURL(`${portal}/dashboard`);
await page.goto(`${portal}/keys`);
await page.locator("#key-name").fill("Production server");
await page.getByRole("button", { name: "Create key" }).click();
await page.getByTestId("new-key").waitFor();
await page.screenshot({ path: `${out}/portal-keys.png`, fullPage: true });
// The Widget SDK page's snippet builder with its live preview open, light and dark.
await page.goto(`${portal}/chatbots`);
await page.locator("#chatbot-name").fill("Acme Helper");
await page.getByRole("button", { name: "Create chatbot" }).click();
await page.waitForURL(/\/chatbots\/.+/);
for (const scheme of ["light", "dark"]) {
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto(`${portal}/docs/widget`, { waitUntil: "networkidle" });
  await page.getByLabel("Theme", { exact: true }).selectOption(scheme);
  await page.getByTestId("snippet").filter({ hasText: `data-theme="${scheme}"` }).waitFor();
  const preview = page.frameLocator('iframe[title="Widget preview"]');
  await preview.getByRole("button", { name: /^Open chat/ }).click();
  await preview.getByLabel("Your message").waitFor();
  const name = scheme === "light" ? "portal-widget-sdk.png" : "portal-widget-sdk-dark.png";
  await page.locator(".sdk-builder").screenshot({ path: `${out}/${name}` });
}
await page.emulateMedia({ colorScheme: "light" });
await browser.close();
