// Takes the README's pictures from a running Parlor (./scripts/run.sh): the demo page with the
// widget open after a question, and the portal's home page. Usage: node screenshots.mjs
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
await browser.close();
