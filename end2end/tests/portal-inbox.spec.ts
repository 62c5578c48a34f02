import { type APIRequestContext, expect, type Page } from "@playwright/test";
import { test } from "./helpers";
import { CUSTOMER_URL, PARLOR_URL } from "./env";

// An owner creates a chatbot in the portal and copies its snippet; a visitor on the customer's
// page (another origin) asks for a person; the agent finds the conversation first in the inbox,
// replies, and the visitor sees the reply live.

const PASSWORD = "correct horse battery staple";

test("an agent answers a visitor who asked for a person from the portal's inbox, and the reply appears live", async ({
  browser,
  context,
  page,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: PARLOR_URL });
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));

  await page.goto(`${PARLOR_URL}/sign-up`);
  await page.locator("#email").fill(`agent-${Date.now()}@example.com`);
  await page.locator("#password").fill(PASSWORD);
  await page.locator("#workspace").fill("Shop support");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);

  await page.getByRole("link", { name: "Chatbots" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Chatbots");
  await expect(page.getByText("No chatbots yet.")).toBeVisible();
  await page.locator("#chatbot-name").fill("Shop Helper");
  await page.locator("#chatbot-welcome").fill("Hello! How can I help you today?");
  await page.getByRole("button", { name: "Create chatbot" }).click();
  await expect(page).toHaveURL(new RegExp(`${PARLOR_URL}/chatbots/[A-Za-z0-9_]+$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Shop Helper");
  const bot = (await page.getByTestId("chatbot-id").innerText()).trim();
  const snippet = `<script src="${PARLOR_URL}/widget.js" data-chatbot-id="${bot}" async></script>`;
  await expect(page.getByTestId("embed-snippet")).toHaveText(snippet);
  await page.getByRole("button", { name: "Copy snippet" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(snippet);

  // A setting saved in the portal reaches the widget; the provider key is never shown back.
  await page.locator("#bot-title").fill("Shop Helper Desk");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.reload();
  await expect(page.locator("#bot-title")).toHaveValue("Shop Helper Desk");

  // The visitor, in a browser context of their own, on the customer's page.
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  visitor.on("pageerror", (err) => errors.push(err.message));
  const query = new URLSearchParams({ backend: PARLOR_URL, bot, open: "true" });
  await visitor.goto(`${CUSTOMER_URL}/?${query}`);
  await visitor.getByLabel("Your message").fill("Where is my order?");
  await visitor.getByRole("button", { name: "Send" }).click();
  await expect(visitor.getByRole("button", { name: "Send" })).toBeEnabled();
  await visitor.getByRole("button", { name: "Talk to a human" }).click();
  await expect(visitor.locator("li.line.system")).toHaveText("We've asked a person to join. You can keep writing here.");

  await page.getByRole("link", { name: "Inbox" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Inbox");
  const first = page.getByTestId("inbox-item").first();
  await expect(first).toHaveAttribute("data-status", "escalated");
  await expect(first).toContainText("Shop Helper");
  await first.getByRole("link").click();
  await expect(page.getByTestId("thread-status")).toHaveText("escalated");
  await expect(page.getByTestId("transcript")).toContainText("Where is my order?");

  await page.locator("#reply-text").fill("Hi, this is Sam from the shop. Let me look that up.");
  await page.getByRole("button", { name: "Send reply" }).click();
  await expect(page.locator("#reply-text")).toHaveValue("");
  await expect(page.getByTestId("transcript").locator('li[data-role="admin"]')).toContainText("Hi, this is Sam");

  const agent = visitor.locator("li.line.agent");
  await expect(agent).toHaveCount(1);
  await expect(agent).toHaveText("Agent: Hi, this is Sam from the shop. Let me look that up.");

  // The visitor writes again: the bot keeps quiet, and the agent sees the message in the inbox.
  await visitor.getByLabel("Your message").fill("Thank you!");
  await visitor.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("transcript")).toContainText("Thank you!");

  await page.getByRole("button", { name: "End conversation" }).click();
  await expect(page.getByTestId("thread-status")).toHaveText("ended");
  await page.screenshot({ path: "../docs/images/portal-inbox.png" });
  await visitorContext.close();
  expect(errors).toEqual([]);
});

/** Signs up a new account with a workspace of its own and lands on the dashboard. */
async function signUp(page: Page, workspace: string): Promise<void> {
  await page.goto(`${PARLOR_URL}/sign-up`);
  await page.locator("#email").fill(`inbox-${Date.now()}@example.com`);
  await page.locator("#password").fill(PASSWORD);
  await page.locator("#workspace").fill(workspace);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);
}

/** Creates a chatbot on the Chatbots page and returns its id. */
async function createBot(page: Page, name: string): Promise<string> {
  await page.goto(`${PARLOR_URL}/chatbots`);
  await page.locator("#chatbot-name").fill(name);
  await page.getByRole("button", { name: "Create chatbot" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  return (await page.getByTestId("chatbot-id").innerText()).trim();
}

/** A visitor's message through the widget API; returns the conversation's id. */
async function visitorSays(request: APIRequestContext, bot: string, message: string): Promise<string> {
  const response = await request.post(`${PARLOR_URL}/widget/v1/chatbots/${bot}/chat`, {
    data: { message, stream: false },
  });
  expect(response.status()).toBe(200);
  return (await response.json()).conversation_id;
}

test("an escalation appears in the open inbox without a reload, and the filters narrow the list", async ({
  page,
  request,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await signUp(page, "Live desk");
  const shop = await createBot(page, "Shop Desk");
  const docs = await createBot(page, "Docs Desk");
  const shipping = await visitorSays(request, shop, "Do you ship to Norway?");
  const refund = await visitorSays(request, shop, "I would like a refund, please");
  await visitorSays(request, docs, "How do I install the widget?");

  await page.goto(`${PARLOR_URL}/inbox`);
  const items = page.getByTestId("inbox-item");
  await expect(items).toHaveCount(3);
  await expect(items.first()).toHaveAttribute("data-status", "open");
  // A mark on the window survives only if the page is never loaded again.
  await page.evaluate(() => ((window as unknown as { parlorMark: number }).parlorMark = 42));

  const escalated = await request.post(`${PARLOR_URL}/widget/v1/chatbots/${shop}/conversations/${refund}/escalate`);
  expect(escalated.status()).toBe(200);
  await expect(items.first()).toHaveAttribute("data-status", "escalated");
  await expect(items.first().getByRole("link")).toHaveAttribute("href", new RegExp(`/inbox/${refund}`));
  // A new conversation shows up too.
  await visitorSays(request, docs, "Is there a dark theme?");
  await expect(items).toHaveCount(4);
  expect(await page.evaluate(() => (window as unknown as { parlorMark?: number }).parlorMark)).toBe(42);

  // Filters go into the address and narrow the list.
  await page.getByLabel("Status", { exact: true }).selectOption("escalated");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/[?&]status=escalated/);
  await expect(items).toHaveCount(1);
  await expect(items.first().getByRole("link")).toHaveAttribute("href", new RegExp(`/inbox/${refund}`));

  await page.getByLabel("Status", { exact: true }).selectOption("all");
  await page.getByLabel("Chatbot", { exact: true }).selectOption({ label: "Docs Desk" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]chatbot=${docs}`));
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText("Docs Desk");

  await page.getByLabel("Chatbot", { exact: true }).selectOption({ label: "All chatbots" });
  await page.getByLabel("Visitor wrote").fill("norway");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/[?&]q=norway/);
  await expect(items).toHaveCount(1);
  await expect(items.first().getByRole("link")).toHaveAttribute("href", new RegExp(`/inbox/${shipping}`));
  // The selected conversation opens in place (no page load: the list keeps its scroll) and keeps
  // the filters in its address; Back closes it again.
  await page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));
  await items.first().getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/inbox/${shipping}\\?q=norway`));
  await expect(page.getByTestId("transcript")).toContainText("Do you ship to Norway?");
  await expect(items.first().getByRole("link")).toHaveAttribute("aria-current", "true");
  expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
  await page.goBack();
  await expect(page).toHaveURL(/\/inbox\?[^/]*q=norway/);
  await expect(page.locator(".inbox-thread")).toContainText("Choose a conversation.");
  await page.goForward();
  await expect(page.getByTestId("transcript")).toContainText("Do you ship to Norway?");
  expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);

  await page.goto(`${PARLOR_URL}/inbox?q=submarine`);
  await expect(page.getByTestId("inbox-empty")).toHaveText("No conversations match these filters.");
  expect(errors).toEqual([]);
});
