// Reload loses nothing: the visitor id and the conversation id live in the customer page's
// localStorage, and the widget shows the conversation again; "New conversation" starts afresh.
import { expect, test, type Page } from "@playwright/test";
import { answers, ask, customerPage, launcher, newChatbot, watchErrors } from "./widget-helpers";

const stored = (page: Page, bot: string) =>
  page.evaluate((bot) => [localStorage.getItem("parlor:visitor"), localStorage.getItem(`parlor:conversation:${bot}`)], bot);

test("after a reload the conversation is still there, with its answers, sources and feedback", async ({ page, request }) => {
  const errors = watchErrors(page);
  const bot = await newChatbot(request, "Memory Bot");
  await page.goto(customerPage(bot));
  await launcher(page).click();
  await ask(page, "Please remember this");
  await ask(page, "And this too");
  const [visitor, conversation] = await stored(page, bot);
  expect(visitor).toMatch(/^vis_/);
  expect(conversation).toMatch(/^conv_/);
  const before = await answers(page).allInnerTexts();

  await page.reload();
  await launcher(page).click();
  await expect(page.locator("li.line.visitor")).toHaveText(["Please remember this", "And this too"]);
  await expect(answers(page)).toHaveCount(2);
  expect(await answers(page).allInnerTexts()).toEqual(before);
  // A restored answer can still be rated, and the conversation goes on where it was.
  await answers(page).first().getByRole("button", { name: "Helpful", exact: true }).click();
  await expect(answers(page).first().getByText("Thanks for your feedback")).toBeVisible();
  await ask(page, "Still here?");
  expect(await stored(page, bot)).toEqual([visitor, conversation]);
  expect(errors).toEqual([]);
});

test("New conversation empties the panel and the next message starts another conversation", async ({ page, request }) => {
  const bot = await newChatbot(request, "Fresh Bot");
  await page.goto(customerPage(bot));
  await launcher(page).click();
  await ask(page, "First conversation");
  const [, first] = await stored(page, bot);

  await page.getByRole("button", { name: "New conversation" }).click();
  await expect(page.locator("li.line.visitor")).toHaveCount(0);
  await expect(answers(page)).toHaveCount(0);
  await expect(page.getByLabel("Your message")).toBeFocused();
  expect((await stored(page, bot))[1]).toBeNull();

  await ask(page, "Second conversation");
  const [, second] = await stored(page, bot);
  expect(second).toMatch(/^conv_/);
  expect(second).not.toBe(first);
  await page.reload();
  await launcher(page).click();
  await expect(page.locator("li.line.visitor")).toHaveText(["Second conversation"]);
});

test("another visitor's browser with the same conversation id sees nothing of it", async ({ page, browser, request }) => {
  const bot = await newChatbot(request, "Private Bot");
  await page.goto(customerPage(bot));
  await launcher(page).click();
  await ask(page, "My secret question");
  const [, conversation] = await stored(page, bot);

  const other = await browser.newPage();
  await other.goto(customerPage(bot));
  await other.evaluate(([bot, id]) => localStorage.setItem(`parlor:conversation:${bot}`, id as string), [bot, conversation]);
  await other.reload();
  await launcher(other).click();
  await expect(other.locator("li.welcome")).toBeVisible();
  await expect.poll(() => other.evaluate((bot) => localStorage.getItem(`parlor:conversation:${bot}`), bot)).toBeNull();
  await expect(other.locator("li.line.visitor")).toHaveCount(0);
  await other.close();
});
