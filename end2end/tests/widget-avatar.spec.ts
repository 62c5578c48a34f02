// The chatbot's title and avatar from its settings appear in the widget's header.
import { expect, test } from "@playwright/test";
import { customerPage, launcher, newChatbot, watchErrors } from "./widget-helpers";

// A 1×1 PNG standing in for the owner's image host (no internet here).
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

test("the header shows the chatbot's title and avatar, the avatar hidden from screen readers", async ({ page, request }) => {
  const errors = watchErrors(page);
  const avatar = "https://images.example.com/ava.png";
  const bot = await newChatbot(request, "Avatar Bot", { title: "Ava from Support", avatar_url: avatar });
  await page.route(avatar, (route) => route.fulfill({ contentType: "image/png", body: PNG }));
  await page.goto(customerPage(bot));
  await launcher(page).click();
  const header = page.locator(".panel-header");
  await expect(header.locator(".title")).toHaveText("Ava from Support");
  const image = header.locator("img.avatar");
  await expect(image).toHaveAttribute("src", avatar);
  await expect(image).toHaveAttribute("alt", "");
  await expect(image).toBeVisible();
  expect(errors).toEqual([]);
});
