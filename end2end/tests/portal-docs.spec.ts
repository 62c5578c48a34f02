// The developer docs and the changelog: every section renders (without JavaScript too), the
// quick start's commands run as they are once the key is put in, copy buttons copy, and axe
// finds no serious or critical violations in light and dark, on a desktop and on a phone.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { PARLOR_URL } from "./env";
import { createKey, test } from "./helpers";

const SECTIONS: [string, string][] = [
  ["/docs", "Quick start"],
  ["/docs/reference", "API reference"],
  ["/docs/webhooks", "Webhooks"],
  ["/docs/rate-limits", "Rate limits"],
  ["/docs/errors", "Errors"],
  ["/docs/pagination", "Pagination"],
  ["/docs/authentication", "Authentication"],
  ["/docs/platform-api", "Coming from a platform API"],
  ["/changelog", "Changelog"],
];

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

function run(command: string): string {
  return execFileSync("bash", ["-c", command], { timeout: 20_000 }).toString();
}

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("every docs section and the changelog render on the server", async ({ page }) => {
    for (const [path, title] of SECTIONS) {
      await page.goto(`${PARLOR_URL}${path}`);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
      await expect(page.getByRole("navigation", { name: "Docs" }).getByRole("link", { name: title })).toHaveAttribute(
        "aria-current",
        "page",
      );
    }
    await page.goto(`${PARLOR_URL}/docs/reference`);
    await expect(page.locator("article.operation").first()).toBeVisible();
    await expect(page.locator("details.sample[open] summary").first()).toHaveText("curl");
    await page.goto(`${PARLOR_URL}/changelog`);
    await expect(page.getByRole("heading", { level: 2, name: /Unreleased/ })).toBeVisible();
    await expect(page.getByRole("heading", { level: 3, name: "Added" }).first()).toBeVisible();
  });

  test("copy buttons, which need script, are not shown", async ({ page }) => {
    await page.goto(`${PARLOR_URL}/docs/reference`);
    await expect(page.locator("details.sample[open] pre").first()).toBeVisible();
    await expect(page.locator("button[data-copy]").first()).toBeHidden();
  });
});

test("a page of docs loads no WASM and its copy buttons work; the Widget SDK page, which has islands, loads it", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: PARLOR_URL });
  const wasm: string[] = [];
  page.on("request", (r) => (r.url().endsWith(".wasm") || r.url().includes("/pkg/parlor.js")) && wasm.push(r.url()));
  for (const [path] of SECTIONS) {
    await page.goto(`${PARLOR_URL}${path}`, { waitUntil: "networkidle" });
  }
  await page.goto(`${PARLOR_URL}/`, { waitUntil: "networkidle" });
  expect(wasm, "pages of text load no WASM").toEqual([]);

  // Copying needs no WASM: one click, at once.
  await page.goto(`${PARLOR_URL}/docs/webhooks`);
  const block = page.locator(".code-block").first();
  await block.getByRole("button").click();
  await expect(block.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await block.locator("pre").innerText());

  await page.goto(`${PARLOR_URL}/docs/widget`);
  await expect.poll(() => wasm.filter((url) => url.endsWith(".wasm")).length).toBe(1);
});

test("the quick start's commands run as shown once the key is put in, and copy buttons copy them", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: PARLOR_URL });
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  const key = createKey();

  await page.goto(`${PARLOR_URL}/docs`);
  await expect(page.getByTestId("quickstart-chatbots")).toContainText("Sign in");
  const create = page.getByTestId("quickstart-create");
  const createCommand = await create.innerText();
  expect(createCommand).toContain("YOUR_API_KEY");

  // The copy script is the page's last element: a click before it has run is retried.
  const block = page.locator(".code-block").filter({ has: create });
  await expect(async () => {
    await block.getByRole("button").click();
    await expect(block.getByRole("button", { name: "Copied" })).toBeVisible({ timeout: 1000 });
  }).toPass();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(createCommand);

  const chatbot = JSON.parse(run(createCommand.replaceAll("YOUR_API_KEY", key)));
  expect(chatbot.id).toBeTruthy();
  const withIds = (text: string) => text.replaceAll("YOUR_API_KEY", key).replaceAll("YOUR_CHATBOT_ID", chatbot.id);
  const source = JSON.parse(run(withIds(await page.getByTestId("quickstart-knowledge").innerText())));
  expect(source.id).toBeTruthy();
  const answer = run(withIds(await page.getByTestId("quickstart-chat").innerText()));
  expect(answer).toContain("30 days");
  expect(errors).toEqual([]);
});

test("the reference's samples have working copy buttons and the webhook guide shows every header", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: PARLOR_URL });
  await page.goto(`${PARLOR_URL}/docs/reference`);
  const sample = page.locator("details.sample[open]").first();
  const code = await sample.locator("pre").innerText();
  await expect(async () => {
    await sample.getByRole("button").click();
    await expect(sample.getByRole("button", { name: "Copied" })).toBeVisible({ timeout: 1000 });
  }).toPass();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);

  // The other languages open with the keyboard.
  const python = page.locator("details.sample").filter({ hasText: "Python (requests)" }).first();
  await python.locator("summary").focus();
  await page.keyboard.press("Enter");
  await expect(python.locator("pre")).toContainText("import requests");

  await page.goto(`${PARLOR_URL}/docs/webhooks`);
  await expect(page.getByTestId("webhook-events")).toContainText("message.received");
  await expect(page.getByTestId("signed-example")).toContainText("v1,");
});

for (const scheme of ["light", "dark"] as const) {
  for (const [label, viewport] of [
    ["desktop", { width: 1280, height: 900 }],
    ["phone", { width: 375, height: 740 }],
  ] as const) {
    test(`axe finds no serious or critical violations on the docs in ${scheme} on a ${label}`, async ({ page }) => {
      // axe reads every node of the reference (hundreds of samples): seconds per page.
      test.setTimeout(90_000);
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize(viewport);
      for (const path of ["/docs", "/docs/reference", "/changelog"]) {
        await page.goto(`${PARLOR_URL}${path}`);
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        expect(await seriousViolations(page), path).toEqual([]);
      }
      if (label === "phone") {
        // Nothing but the code blocks scrolls sideways.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
      }
    });
  }
}
