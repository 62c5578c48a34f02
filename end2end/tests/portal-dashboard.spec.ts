import { type APIRequestContext, expect } from "@playwright/test";
import { test } from "./helpers";
import { PARLOR_URL } from "./env";

// An owner's dashboard: the first steps point at the Chatbots page and the docs; the activity
// of the workspace's chatbots per day, as charts with their numbers, for a period and a chatbot
// chosen in the address, with or without script.

const PASSWORD = "correct horse battery staple";

async function visitorSays(request: APIRequestContext, bot: string, message: string): Promise<void> {
  const response = await request.post(`${PARLOR_URL}/widget/v1/chatbots/${bot}/chat`, {
    data: { message, stream: false },
  });
  expect(response.status()).toBe(200);
}

test("the dashboard charts each day's activity for the chosen period and chatbot, also without script", async ({
  browser,
  context,
  page,
  request,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`${PARLOR_URL}/sign-up`);
  await page.locator("#email").fill(`dashboard-${Date.now()}@example.com`);
  await page.locator("#password").fill(PASSWORD);
  await page.locator("#workspace").fill("Charts and numbers");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);

  const steps = page.getByRole("region", { name: "First steps" });
  await expect(steps.getByRole("link", { name: "Create a chatbot" })).toHaveAttribute("href", "/chatbots");
  await expect(steps.getByRole("link", { name: "quick start" })).toHaveAttribute("href", "/docs");
  await expect(page.getByTestId("dashboard-totals").locator('[data-series="conversations"] .stat-value')).toHaveText("0");

  const bots: string[] = [];
  for (const name of ["Front Desk", "Back Office"]) {
    await page.goto(`${PARLOR_URL}/chatbots`);
    await page.locator("#chatbot-name").fill(name);
    await page.getByRole("button", { name: "Create chatbot" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
    bots.push((await page.getByTestId("chatbot-id").innerText()).trim());
  }
  await visitorSays(request, bots[0], "Hello there");
  await visitorSays(request, bots[0], "Opening hours?");
  await visitorSays(request, bots[1], "Invoices?");

  await page.goto(`${PARLOR_URL}/dashboard`);
  const today = new Date().toISOString().slice(0, 10);
  const totals = page.getByTestId("dashboard-totals");
  await expect(totals.locator('[data-series="conversations"] .stat-value')).toHaveText("3");
  await expect(totals.locator('[data-series="visitor_messages"] .stat-value')).toHaveText("3");
  const chart = page.getByTestId("chart-conversations");
  await expect(chart).toHaveAttribute("role", "img");
  await expect(chart).toHaveAttribute("aria-label", /^Conversations started per day: 3 conversations over 30 days/);
  await expect(chart.locator("rect")).toHaveCount(30);
  await expect(chart.locator(`rect[data-date="${today}"]`)).toHaveAttribute("data-value", "3");

  // The numbers behind a chart, as a table.
  const numbers = page.getByRole("region", { name: "Conversations started" }).locator("details");
  await numbers.locator("summary").click();
  await expect(numbers.getByRole("row", { name: today })).toContainText("3");

  // The period and the chatbot go into the address.
  await page.getByLabel("Period", { exact: true }).selectOption("7");
  await page.getByLabel("Chatbot", { exact: true }).selectOption({ label: "Back Office" });
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard?days=7&chatbot=${bots[1]}`);
  await expect(page.getByTestId("dashboard-scope")).toHaveText("The last 7 days (UTC), Back Office.");
  await expect(chart.locator("rect")).toHaveCount(7);
  await expect(totals.locator('[data-series="conversations"] .stat-value')).toHaveText("1");

  // Without script, the same address shows the same page, and the form still works.
  const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
  const noScript = await plain.newPage();
  await noScript.goto(`${PARLOR_URL}/dashboard?days=90&chatbot=${bots[0]}`);
  await expect(noScript.getByTestId("chart-conversations").locator("rect")).toHaveCount(90);
  await expect(noScript.getByTestId("dashboard-totals").locator('[data-series="conversations"] .stat-value')).toHaveText("2");
  await noScript.getByLabel("Chatbot", { exact: true }).selectOption({ label: "All chatbots" });
  await noScript.getByRole("button", { name: "Show" }).click();
  await expect(noScript).toHaveURL(`${PARLOR_URL}/dashboard?days=90&chatbot=`);
  await expect(noScript.getByTestId("dashboard-totals").locator('[data-series="conversations"] .stat-value')).toHaveText("3");
  await plain.close();
  expect(errors).toEqual([]);
});
