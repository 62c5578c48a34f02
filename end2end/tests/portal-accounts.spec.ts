import { expect } from "@playwright/test";
import { PARLOR_URL } from "./env";
import { clickUntilShown, test } from "./helpers";

const PASSWORD = "correct horse battery staple";

test("a developer signs up, creates a key that is shown once, uses it, and revokes it", async ({ page, request, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: PARLOR_URL });
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  const email = `dev-${Date.now()}@example.com`;

  await page.goto(`${PARLOR_URL}/sign-up`);
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(PASSWORD);
  await page.locator("#workspace").fill("Acme support");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Acme support");
  await expect(page.getByTestId("workspace-name")).toHaveText("Acme support");

  await page.getByRole("link", { name: "API Keys" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API Keys");
  await expect(page.getByText("No keys yet.")).toBeVisible();
  // The server sends the form inert; it takes input once its island has hydrated.
  await expect(page.getByTestId("create-key-form")).not.toHaveAttribute("inert");
  await page.locator("#key-name").fill("Production server");
  await page.getByRole("button", { name: "Create key" }).click();

  const reveal = page.getByTestId("new-key");
  await expect(reveal).toContainText("Copy your new key now");
  const secret = (await page.getByTestId("new-key-secret").innerText()).trim();
  expect(secret).toMatch(/^sk_[0-9A-Za-z]{38}$/);
  await reveal.getByRole("button", { name: "Copy" }).click();
  await expect(reveal.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  const row = page.getByTestId("key-row").filter({ hasText: "Production server" });
  await expect(row).toContainText(secret.slice(-4));
  await expect(page.getByTestId("key-table")).not.toContainText(secret.slice(3, 20));

  // The key works on the API, as the dashboard's curl would use it.
  const created = await request.post(`${PARLOR_URL}/api/v2/chatbots`, {
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
    data: JSON.stringify({ name: "Docs bot" }),
  });
  expect(created.status()).toBe(201);

  // After a reload the secret is gone for good; the row stays.
  await page.reload();
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  await expect(row).toContainText(secret.slice(-4));

  page.once("dialog", (dialog) => dialog.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByTestId("key-row").filter({ hasText: "Production server" })).toHaveCount(0);
  const refused = await request.get(`${PARLOR_URL}/api/v2/chatbots`, { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);

  // Signing out ends the session: the keys page sends the visitor to sign in.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto(`${PARLOR_URL}/keys`);
  await expect(page).toHaveURL(`${PARLOR_URL}/sign-in`);

  // And signing in again brings the workspace back.
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);
  expect(errors).toEqual([]);
});

test("a wrong password says so and keeps the visitor signed out", async ({ page }) => {
  await page.goto(`${PARLOR_URL}/sign-in`);
  await page.locator("#email").fill("nobody@example.com");
  await page.locator("#password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("that email and password do not match an account");
  await expect(page).toHaveURL(`${PARLOR_URL}/sign-in`);
});

test("a key limited to one origin is rolled, and its chat requests show in the usage chart", async ({ page, request }) => {
  const email = `usage-${Date.now()}@example.com`;
  await page.goto(`${PARLOR_URL}/sign-up`);
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);

  await page.goto(`${PARLOR_URL}/keys`);
  await page.locator("#key-name").fill("Shop backend");
  await page.locator("#key-origins").fill("https://shop.example.com");
  await clickUntilShown(page.getByRole("button", { name: "Create key" }), page.getByTestId("new-key-secret"));
  const first = (await page.getByTestId("new-key-secret").innerText()).trim();
  const row = page.getByTestId("key-row").filter({ hasText: "Shop backend" });
  await expect(row).toContainText("https://shop.example.com");

  const withOrigin = (key: string, origin: string) => ({ Authorization: `Bearer ${key}`, Origin: origin, "Content-Type": "application/json" });
  const bot = await request.post(`${PARLOR_URL}/api/v2/chatbots`, {
    headers: withOrigin(first, "https://shop.example.com"),
    data: JSON.stringify({ name: "Usage bot" }),
  });
  expect(bot.status()).toBe(201);
  const chatbotId = (await bot.json()).id;
  const elsewhere = await request.get(`${PARLOR_URL}/api/v2/chatbots`, { headers: withOrigin(first, "https://evil.example") });
  expect(elsewhere.status()).toBe(403);

  // Roll with no overlap: a new secret is revealed once, the old one stops at once.
  await row.getByRole("combobox").selectOption("0");
  // A click the page misses (it is still hydrating or re-rendering the row) is clicked again.
  await expect(async () => {
    await row.getByRole("button", { name: "Roll" }).click();
    await expect(page.getByTestId("new-key-secret")).not.toHaveText(first, { timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  const second = (await page.getByTestId("new-key-secret").innerText()).trim();
  expect(second).toMatch(/^sk_/);
  const old = await request.get(`${PARLOR_URL}/api/v2/chatbots`, { headers: withOrigin(first, "https://shop.example.com") });
  expect(old.status()).toBe(401);

  for (const message of ["What are your opening hours?", "Do you ship abroad?"]) {
    const reply = await request.post(`${PARLOR_URL}/api/v2/chatbots/${chatbotId}/chat`, {
      headers: withOrigin(second, "https://shop.example.com"),
      data: JSON.stringify({ message, stream: false }),
    });
    expect(reply.status()).toBe(200);
  }

  await page.getByRole("link", { name: "Usage" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Usage");
  await expect(page.getByTestId("usage-totals")).toContainText("2 requests");
  const today = new Date().toISOString().slice(0, 10);
  await expect(page.locator(`[data-testid=usage-chart] rect[data-date="${today}"]`)).toHaveAttribute("data-requests", "2");
  const limits = page.getByTestId("key-limits");
  await expect(limits).toContainText("Shop backend");
  await expect(limits).toContainText(`of 60`);
});
