import { expect, test } from "@playwright/test";
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
