// A customer page whose Content Security Policy forbids WebAssembly (no 'wasm-unsafe-eval'):
// the loader notices and shows the widget in an iframe from Parlor's origin instead.
import { expect, test } from "@playwright/test";
import { PARLOR_URL } from "./env";
import { customerPage, launcher, newChatbot } from "./widget-helpers";

test("under a CSP without wasm-unsafe-eval the widget opens in Parlor's iframe and chats", async ({ page, request }) => {
  const bot = await newChatbot(request, "Strict Bot");
  await page.goto(customerPage(bot, { csp: "nowasm", language: "en" }));
  // The page's policy really refuses WebAssembly.
  const compiles = await page.evaluate(() =>
    WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(
      () => true,
      () => false,
    ),
  );
  expect(compiles).toBe(false);

  await page.evaluate('window.__events=[];["ready","open","close","message"].forEach(function(n){Parlor.on(n,function(){__events.push(n)})})');
  await launcher(page).click();
  const iframe = page.locator("iframe[title=Chat]");
  await expect(iframe).toBeVisible();
  expect(await iframe.getAttribute("src")).toMatch(new RegExp(`^${PARLOR_URL}/widget-frame/${bot}\\?`));
  const frame = page.frameLocator("iframe[title=Chat]");
  await expect(frame.getByRole("region", { name: "Chat with Strict Bot" })).toBeVisible();
  await expect(frame.getByLabel("Your message")).toBeFocused();

  await frame.getByLabel("Your message").fill("Hello");
  await frame.getByRole("button", { name: "Send" }).click();
  await expect(frame.locator("li.line.bot:not(.welcome) .text")).toHaveText("Hello! I'm Strict Bot. How can I help you today?");

  // The page's API reaches into the frame, and the frame's events come out.
  await page.evaluate('window.Parlor.sendMessage("Second message")');
  await expect(frame.locator("li.line.visitor").last()).toHaveText("Second message");
  await expect.poll(() => page.evaluate("window.__events")).toEqual(["open", "ready", "message", "message", "message", "message"]);

  // Closing from inside the frame (its button or Escape) hides it and gives the launcher the focus.
  await frame.getByRole("button", { name: "Close chat" }).click();
  await expect(iframe).toBeHidden();
  await expect(launcher(page)).toBeFocused();
  await launcher(page).click();
  await expect(iframe).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(iframe).toBeHidden();
});

test("an inline widget under such a CSP fills its target through the iframe, with no close button", async ({ page, request }) => {
  const bot = await newChatbot(request, "Inline Strict Bot");
  await page.goto(customerPage(bot, { csp: "nowasm", mode: "inline", target: "#chat" }));
  const iframe = page.locator("#chat iframe[title=Chat]");
  await expect(iframe).toBeVisible();
  const [outer, inner] = [await page.locator("#chat").boundingBox(), await iframe.boundingBox()];
  expect(inner?.height).toBeCloseTo(outer?.height ?? 0, 0);
  const frame = page.frameLocator("#chat iframe[title=Chat]");
  await expect(frame.getByRole("region", { name: "Chat with Inline Strict Bot" })).toBeVisible();
  await expect(frame.getByRole("button", { name: "Close chat" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Open chat/ })).toHaveCount(0);
});
