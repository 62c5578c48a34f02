// The lead form (before the chat, or when a person is asked for) and suggestions while typing.
import { expect, test } from "@playwright/test";
import { PARLOR_URL } from "./env";
import { ask, auth, customerPage, launcher, newChatbot } from "./widget-helpers";

test("a chatbot that wants details first shows the lead form before the chat, once", async ({ page, request }) => {
  const bot = await newChatbot(request, "Lead Bot", { lead_capture: "before_chat" });
  await page.goto(customerPage(bot));
  await page.evaluate('window.__leads=[];window.Parlor.on("lead",function(d){__leads.push(d)})');
  await launcher(page).click();
  const email = page.getByRole("textbox", { name: "Email" });
  await expect(email).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Name" }), "the form takes the focus").toBeFocused();
  await expect(page.getByLabel("Your message"), "no chat before the details").toBeHidden();
  await expect(page.getByRole("button", { name: "Not now" }), "it cannot be skipped").toHaveCount(0);

  await page.getByRole("textbox", { name: "Name" }).fill("Ada Lovelace");
  await email.fill("ada@example.com");
  await page.getByRole("button", { name: "Send details" }).click();
  await expect(page.locator("li.line.system")).toHaveText("Thanks! We'll be in touch.");
  await expect(email).toBeHidden();
  await expect(page.getByLabel("Your message")).toBeFocused();
  expect(await page.evaluate("window.__leads")).toEqual([{ name: "Ada Lovelace", email: "ada@example.com" }]);
  const leads = await request.get(`${PARLOR_URL}/api/v2/chatbots/${bot}/leads`, { headers: auth() });
  expect((await leads.json()).data).toMatchObject([{ email: "ada@example.com", name: "Ada Lovelace" }]);

  await page.reload();
  await launcher(page).click();
  await expect(page.getByLabel("Your message")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Email" })).toHaveCount(0);
});

test("a chatbot that wants details when needed offers the form once a person is asked for", async ({ page, request }) => {
  const bot = await newChatbot(request, "Needed Bot", { lead_capture: "when_needed" });
  await page.goto(customerPage(bot));
  await launcher(page).click();
  await expect(page.getByRole("textbox", { name: "Email" })).toHaveCount(0);
  await ask(page, "Hello");
  await page.getByRole("button", { name: "Talk to a human" }).click();
  await expect(page.getByRole("textbox", { name: "Email" })).toBeVisible();
  await page.getByRole("button", { name: "Not now" }).click();
  await expect(page.getByRole("textbox", { name: "Email" })).toHaveCount(0);
  await expect(page.getByLabel("Your message")).toBeFocused();
});

test("suggestions appear while typing, after a pause, and choosing one sends it", async ({ page, request }) => {
  const bot = await newChatbot(request, "Suggest Bot");
  const knowledge = await request.post(`${PARLOR_URL}/api/knowledge`, {
    headers: auth(),
    data: { chatbotId: bot, type: "qa", source: "Do you ship to Canada?", content: "Yes, in five days." },
  });
  expect(knowledge.status()).toBe(201);
  const asked: string[] = [];
  page.on("request", (r) => r.url().includes("/suggestions?") && asked.push(new URL(r.url()).searchParams.get("q") ?? ""));
  await page.goto(customerPage(bot));
  await launcher(page).click();
  await page.getByLabel("Your message").pressSequentially("do you sh", { delay: 40 });
  const list = page.getByRole("list", { name: "Suggestions" });
  await expect(list.getByRole("button")).toHaveText(["Do you ship to Canada?"]);
  expect(asked, "debounced: one request for the whole burst of typing").toEqual(["do you sh"]);

  await list.getByRole("button", { name: "Do you ship to Canada?" }).click();
  await expect(page.locator("li.line.visitor")).toHaveText("Do you ship to Canada?");
  await expect(list).toHaveCount(0);
  await expect(page.locator("li.line.bot:not(.welcome) .text")).toContainText("five days");
});
