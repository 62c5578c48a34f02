// The Widget SDK page (/docs/widget): the snippet follows the builder's options, the live
// preview runs the real widget with them (also for a chatbot that lists allowed origins, since
// the owner is signed in), the preview's widget answers from the chatbot's knowledge, and
// axe-core finds no serious or critical violation. Without JavaScript the default snippet is there.
import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { PARLOR_URL } from "./env";
import { clickUntilShown, test } from "./helpers";

/** Signs up a new account in the portal and returns an API key made on its /keys page. */
// Tall enough for the preview frame, whose launcher sits at its bottom, to fit on the screen.
test.use({ viewport: { width: 1280, height: 960 } });

async function signUpWithKey(page: Page, name: string): Promise<string> {
  await page.goto(`${PARLOR_URL}/sign-up`);
  await page.locator("#email").fill(`${name}-${Date.now()}@example.com`);
  await page.locator("#password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);
  await page.goto(`${PARLOR_URL}/keys`);
  await page.locator("#key-name").fill("sdk");
  await clickUntilShown(page.getByRole("button", { name: "Create key" }), page.getByTestId("new-key-secret"));
  return (await page.getByTestId("new-key-secret").innerText()).trim();
}

async function api(request: APIRequestContext, key: string, method: "post" | "patch", path: string, data: object) {
  const response = await request[method](`${PARLOR_URL}${path}`, {
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    data: JSON.stringify(data),
  });
  expect(response.ok(), `${method} ${path}: ${await response.text()}`).toBe(true);
  return response.json();
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test("without JavaScript the Widget SDK page shows the default snippet and asks a visitor to sign in", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${PARLOR_URL}/docs/widget`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Widget SDK");
  await expect(page.getByTestId("snippet")).toHaveText(
    `<script src="${PARLOR_URL}/widget.js" data-chatbot-id="YOUR_CHATBOT_ID" data-theme="light" async></script>`,
  );
  await expect(page.getByTestId("sdk-sign-in").getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(page.getByTestId("sdk-attributes")).toContainText("data-load");
  await context.close();
});

test("the builder's options change the snippet and the live preview's widget answers from the knowledge", async ({ page, request }) => {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  const key = await signUpWithKey(page, "sdk");
  const bot = await api(request, key, "post", "/api/v2/chatbots", { name: "SDK Bot" });
  // A chatbot limited to its own site: the preview still runs it for its workspace's members.
  await api(request, key, "patch", `/api/v2/chatbots/${bot.id}`, { allowed_origins: ["https://shop.example"] });
  await api(request, key, "post", "/api/v2/knowledge", {
    chatbot_id: bot.id,
    type: "qa",
    source: "How long does delivery take?",
    content: "Delivery takes three working days.",
  });

  await page.goto(`${PARLOR_URL}/docs/widget`);
  const snippet = page.getByTestId("snippet");
  await expect(page.getByLabel("Chatbot", { exact: true })).toHaveValue(bot.id);
  await expect(snippet).toHaveText(
    `<script src="${PARLOR_URL}/widget.js" data-chatbot-id="${bot.id}" data-theme="light" async></script>`,
  );
  // The page reacts once it has hydrated; until then a choice may be lost, so it is retried.
  await expect(async () => {
    await page.getByLabel("Theme", { exact: true }).selectOption("dark");
    await expect(snippet).toContainText('data-theme="dark"', { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await page.getByLabel("Position", { exact: true }).selectOption("left");
  await page.getByLabel("Language", { exact: true }).selectOption("de");
  await page.getByLabel("Load", { exact: true }).selectOption("idle");
  await page.getByLabel("Custom", { exact: true }).check();
  await page.locator("#sdk-accent").fill("#aa3300");
  await page.getByLabel("Open the panel when the page loads", { exact: true }).check();
  await expect(snippet).toHaveText(
    `<script src="${PARLOR_URL}/widget.js" data-chatbot-id="${bot.id}" data-theme="dark" data-position="left" ` +
      `data-accent="#aa3300" data-language="de" data-load="idle" data-open="true" async></script>`,
  );
  await page.getByLabel("Mode", { exact: true }).selectOption("inline");
  await page.getByLabel("Target element id", { exact: true }).fill("help-box");
  await expect(snippet).toContainText('data-mode="inline" data-target="#help-box"');
  await page.getByLabel("Mode", { exact: true }).selectOption("bubble");
  await page.getByLabel("Open the panel when the page loads", { exact: true }).uncheck();
  await page.getByLabel("Language", { exact: true }).selectOption("");
  await expect(snippet).not.toContainText("data-mode");
  await expect(snippet).not.toContainText("data-language");

  // The preview page holds exactly the snippet shown, and its widget is the real one.
  const iframe = page.locator('iframe[title="Widget preview"]');
  await expect(iframe).toHaveAttribute("src", /theme=dark&position=left&accent=%23aa3300&language=&mode=bubble/);
  const frame = page.frameLocator('iframe[title="Widget preview"]');
  const shown = await snippet.innerText();
  await expect
    .poll(async () => (await iframe.contentFrame().locator("script[data-chatbot-id]").evaluate((s) => s.outerHTML)))
    .toBe(shown.replace("async>", 'async="">'));
  await iframe.scrollIntoViewIfNeeded();
  await frame.getByRole("button", { name: /^Open chat/ }).click();
  await frame.getByLabel("Your message").fill("How long does delivery take?");
  await frame.getByRole("button", { name: "Send" }).click();
  await expect(frame.locator("li.line.bot:not(.welcome) .text").last()).toContainText("three working days");
  await expect(frame.locator(".parlor.theme-dark.pos-left.custom-accent")).toBeAttached();

  expect(await seriousViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test("the preview explains why it cannot run a chatbot that is limited to its allowed origins for a visitor who is not a member", async ({ page, request, browser }) => {
  const key = await signUpWithKey(page, "sdk-owner");
  const bot = await api(request, key, "post", "/api/v2/chatbots", { name: "Private Bot" });
  await api(request, key, "patch", `/api/v2/chatbots/${bot.id}`, { allowed_origins: ["https://shop.example"] });
  const stranger = await browser.newContext();
  const other = await stranger.newPage();
  await other.goto(`${PARLOR_URL}/portal/widget-preview?chatbot=${bot.id}&theme=light`);
  await expect(other.getByRole("status")).toContainText("runs only on the sites in its allowed origins");
  await expect(other.locator("script")).toHaveCount(0);
  await stranger.close();
});
