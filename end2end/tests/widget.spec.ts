import { expect, test } from "@playwright/test";
import { createChatbot, createKey, sendAndWatch } from "./helpers";
import { CUSTOMER_URL, DEMO_URL, PARLOR_URL } from "./env";

test("a visitor on another origin opens the widget and watches the reply stream in", async ({ page, request }) => {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));

  const key = createKey();
  const bot = await createChatbot(request, key, "E2E Bot");
  const wasmRequests: string[] = [];
  page.on("request", (r) => r.url().endsWith(".wasm") && wasmRequests.push(r.url()));

  await page.goto(`${CUSTOMER_URL}/?backend=${encodeURIComponent(PARLOR_URL)}&bot=${bot}`);
  const launcher = page.getByRole("button", { name: "Open chat" });
  await expect(launcher).toBeVisible();
  expect(wasmRequests, "the WASM is fetched only when the visitor opens the widget").toEqual([]);

  await launcher.click();
  await expect(page.getByRole("dialog", { name: "Chat with E2E Bot" })).toBeVisible();
  expect(wasmRequests.length).toBe(1);
  await expect(page.locator("li.welcome")).toHaveText("Hi! How can I help you today?");

  const seen = await sendAndWatch(page, "Hello", /How can I help you today\?$/);
  const final = seen[seen.length - 1];
  expect(final).toBe("Hello! I'm E2E Bot. How can I help you today?");
  const partial = seen.filter((text) => text.length > 0 && text.length < final.length);
  expect(partial.length, `the answer streamed in pieces: ${JSON.stringify(seen)}`).toBeGreaterThan(0);

  // The host page's loud styles do not reach into the widget's shadow root.
  const color = await page.locator("li.line.bot .text").last().evaluate((el) => getComputedStyle(el).color);
  expect(color).not.toBe("rgb(200, 0, 0)");
  expect(errors).toEqual([]);
});

test("the demo page's chatbot answers from its knowledge with a citation", async ({ page }) => {
  await page.goto(`${DEMO_URL}/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  await expect(page.getByRole("dialog", { name: "Chat with Northwind Coffee" })).toBeVisible();
  await sendAndWatch(page, "What are your opening hours?", /Monday to Friday/);
  await expect(page.locator("ul.citations li").last()).toHaveText("What are your opening hours?");
});
