import { expect } from "@playwright/test";
import { PARLOR_URL } from "./env";
import { waitForHydration, test } from "./helpers";

test("the portal is server-rendered and its islands hydrate", async ({ page, browser }) => {
  // Without JavaScript the page is already there: server-side rendering.
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const raw = await noJs.newPage();
  await raw.goto(`${PARLOR_URL}/`);
  await expect(raw.getByRole("heading", { level: 1 })).toHaveText("Chatbots that answer from what you know.");
  await expect(raw.getByTestId("server-status")).toContainText("on SQLite");
  await noJs.close();

  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  await page.goto(`${PARLOR_URL}/sign-in`);
  // Islands mode: the page marks itself once its interactive parts have hydrated.
  await waitForHydration(page);
  const password = page.locator("#password");
  await expect(password).toHaveAttribute("type", "password");
  // Only a hydrated page reacts to clicks: the button toggles the field's visibility.
  await expect(async () => {
    await page.getByRole("button", { name: "Show" }).click();
    await expect(password).toHaveAttribute("type", "text", { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(page.getByRole("button", { name: "Hide" })).toBeVisible();

  await page.locator("#email").fill("not-an-email");
  await expect(page.getByTestId("email-error")).toBeVisible();

  // Links are plain page loads (islands mode has no client-side router).
  await page.getByRole("link", { name: "Home" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/`);
  expect(errors).toEqual([]);
});
