import { expect, test, type Page, type Response } from "@playwright/test";
import { createChatbot, createKey, sendAndWatch } from "./helpers";
import { CUSTOMER_URL, PARLOR_URL } from "./env";

// Feedback on answers, "Talk to a human" and agents' live replies, driven in the widget on the
// customer page (another origin than Parlor) and checked through the public API.

const GREETING = /How can I help you today\?$/;

function customerPage(bot: string): string {
  const query = new URLSearchParams({ backend: PARLOR_URL, bot, open: "true" });
  return `${CUSTOMER_URL}/?${query}`;
}

/** The ids the `start` event of a finished widget chat response named. */
async function startedIds(response: Response): Promise<{ conversation_id: string; message_id: string }> {
  const body = await response.text();
  const start = body.split("\n\n").find((event) => event.startsWith("event: start"));
  expect(start, `a start event in ${body.slice(0, 200)}`).toBeTruthy();
  const data = start!.split("\n").find((line) => line.startsWith("data:"))!;
  return JSON.parse(data.slice("data:".length));
}

/** Sends a message in the open widget, waits for the whole answer, and returns its ids. */
async function chat(page: Page, bot: string, message: string) {
  const response = page.waitForResponse(
    (r) => r.request().method() === "POST" && r.url() === `${PARLOR_URL}/widget/v1/chatbots/${bot}/chat`,
  );
  await sendAndWatch(page, message, GREETING);
  return startedIds(await response);
}

const lastAnswer = (page: Page) => page.locator("li.line.bot:not(.welcome)").last();

test("a visitor rates an answer helpful and the chatbot's feedback lists one thumbs up for it", async ({ page, request }) => {
  const key = createKey();
  const bot = await createChatbot(request, key, "Feedback Bot");
  await page.goto(customerPage(bot));
  const { conversation_id, message_id } = await chat(page, bot, "Hello");

  const answer = lastAnswer(page);
  const helpful = answer.getByRole("button", { name: "Helpful", exact: true });
  const notHelpful = answer.getByRole("button", { name: "Not helpful", exact: true });
  // Drawn icons, not emoji (which render as empty boxes without an emoji font), and visible.
  for (const button of [helpful, notHelpful]) {
    await expect(button).toHaveText("");
    const icon = button.locator("svg");
    await expect(icon).toBeVisible();
    expect((await icon.boundingBox())!.width).toBeGreaterThanOrEqual(12);
  }
  await expect(helpful).toHaveAttribute("aria-pressed", "false");
  await expect(helpful).toBeEnabled();

  const posted = page.waitForResponse(
    (r) => r.request().method() === "POST" && r.url() === `${PARLOR_URL}/widget/v1/chatbots/${bot}/feedback`,
  );
  await helpful.click();
  const response = await posted;
  expect(response.status()).toBe(201);
  expect(response.request().postDataJSON()).toEqual({ conversation_id, message_id, thumbs: "up" });

  await expect(helpful).toHaveAttribute("aria-pressed", "true");
  await expect(notHelpful).toHaveAttribute("aria-pressed", "false");
  await expect(helpful).toBeDisabled();
  await expect(notHelpful).toBeDisabled();
  await expect(answer.getByText("Thanks for your feedback")).toBeVisible();
  // A choice made cannot be changed (the buttons are aria-disabled, so they keep the focus).
  await notHelpful.dispatchEvent("click");
  await expect(helpful).toHaveAttribute("aria-pressed", "true");

  const list = await request.get(`${PARLOR_URL}/api/v2/chatbots/${bot}/feedback`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  expect(list.status()).toBe(200);
  const feedback = (await list.json()).data;
  expect(feedback).toHaveLength(1);
  expect(feedback[0]).toMatchObject({ conversation_id, message_id, thumbs: "up" });
});

test("a visitor asks for a person, and the agent's reply appears live as plain text, once, even after reopening the panel", async ({
  page,
  request,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  const aborted: string[] = [];
  page.on("requestfailed", (r) => r.url().includes("/events") && aborted.push(r.failure()?.errorText ?? ""));
  const key = createKey();
  const auth = { Authorization: `Bearer ${key}` };
  const bot = await createChatbot(request, key, "Handoff Bot");
  await page.goto(customerPage(bot));

  const human = page.getByRole("button", { name: "Talk to a human" });
  await expect(human, "no conversation yet, no one to hand it to").toHaveCount(0);
  const { conversation_id } = await chat(page, bot, "Hello");

  const escalated = page.waitForResponse(
    (r) =>
      r.request().method() === "POST" &&
      r.url() === `${PARLOR_URL}/widget/v1/chatbots/${bot}/conversations/${conversation_id}/escalate`,
  );
  await human.click();
  expect(await (await escalated).json()).toEqual({ conversation_id, status: "escalated" });
  await expect(page.locator("li.line.system")).toHaveText("We've asked a person to join. You can keep writing here.");
  await expect(human).toHaveCount(0);
  await expect(page.getByLabel("Your message")).toBeFocused();
  const stored = await request.get(`${PARLOR_URL}/api/v2/conversations/${conversation_id}`, { headers: auth });
  expect((await stored.json()).status).toBe("escalated");

  const reply = await request.post(`${PARLOR_URL}/api/v2/conversations/${conversation_id}/reply`, {
    headers: auth,
    data: { message: "Hi, this is Dana <b>from support</b>" },
  });
  expect(reply.status()).toBe(201);

  const agent = page.locator("li.line.agent");
  await expect(agent).toHaveCount(1);
  await expect(agent.locator(".who")).toHaveText("Agent:");
  await expect(agent).toHaveText("Agent: Hi, this is Dana <b>from support</b>");
  await expect(agent.locator("b")).toHaveCount(0);
  // Told apart from the bot's answers at a glance.
  const bubble = (selector: string) =>
    page.locator(selector).first().evaluate((el) => {
      const style = getComputedStyle(el);
      return `${style.backgroundColor} ${style.borderLeftWidth}`;
    });
  expect(await bubble("li.line.agent")).not.toBe(await bubble("li.line.bot:not(.welcome)"));
  await page.screenshot({ path: "../docs/images/widget-handoff.png" });

  // Closing the panel stops following (the request is aborted); reopening follows again from
  // the last reply, so it is not shown twice, and a reply sent meanwhile arrives.
  await page.keyboard.press("Escape");
  await expect.poll(() => aborted).toContain("net::ERR_ABORTED");
  await request.post(`${PARLOR_URL}/api/v2/conversations/${conversation_id}/reply`, {
    headers: auth,
    data: { message: "Are you still there?" },
  });
  const resumed = page.waitForRequest((r) => r.url().includes(`/conversations/${conversation_id}/events?after=`));
  await page.getByRole("button", { name: /^Open chat/ }).click();
  expect((await resumed).url()).toMatch(/[?&]after=[1-9]\d*(&|$)/);
  await expect(agent).toHaveCount(2);
  await expect(agent.nth(1)).toHaveText("Agent: Are you still there?");
  await page.waitForTimeout(500);
  await expect(agent).toHaveCount(2);
  expect(errors).toEqual([]);
});
