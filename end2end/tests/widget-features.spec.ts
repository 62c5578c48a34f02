import { expect, test, type Page, type Route } from "@playwright/test";
import { CUSTOMER_URL, DEMO_URL, PARLOR_URL } from "./env";

// The demo chatbot exists in every Parlor that serves the demo page, so the embed tests need
// no API key. Only the tests that need real answers send messages to the server; the Markdown
// test answers from a routed response instead.
const BOT = "bot_demo";

function customerPage(attributes: Record<string, string> = {}): string {
  const query = new URLSearchParams({ backend: PARLOR_URL, bot: BOT, ...attributes });
  return `${CUSTOMER_URL}/?${query}`;
}

function watchWasm(page: Page): string[] {
  const requests: string[] = [];
  page.on("request", (r) => r.url().endsWith(".wasm") && requests.push(r.url()));
  return requests;
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  return errors;
}

const launcher = (page: Page) => page.getByRole("button", { name: /^Open chat/ });
const dialog = (page: Page) => page.getByRole("dialog", { name: "Chat with Northwind Coffee" });
const lastAnswer = (page: Page) => page.locator("li.line.bot:not(.welcome)").last();

async function ask(page: Page, message: string) {
  await page.getByLabel("Your message").fill(message);
  await page.getByRole("button", { name: "Send" }).click();
}

test("data-position=left puts the launcher and the panel on the left", async ({ page }) => {
  await page.goto(customerPage({ position: "left" }));
  const before = await launcher(page).boundingBox();
  expect(before?.x).toBeLessThan(100);
  await launcher(page).click();
  const panel = await dialog(page).boundingBox();
  expect(panel?.x).toBeLessThan(100);
  const after = await page.locator(".launcher").boundingBox();
  expect(after?.x).toBeLessThan(100);
});

test("data-accent colours the launcher and the panel, and an invalid accent is ignored with a warning", async ({ page }) => {
  await page.goto(customerPage({ accent: "#ff8800" }));
  await expect(launcher(page)).toHaveCSS("background-color", "rgb(255, 136, 0)");
  await launcher(page).click();
  await expect(page.locator(".panel-header")).toHaveCSS("background-color", "rgb(255, 136, 0)");
  await expect(page.locator(".launcher")).toHaveCSS("background-color", "rgb(255, 136, 0)");

  const warnings: string[] = [];
  page.on("console", (msg) => msg.type() === "warning" && warnings.push(msg.text()));
  await page.goto(customerPage({ accent: "red;background:url(https://evil.example/x)" }));
  await expect(launcher(page)).toHaveCSS("background-color", "rgb(79, 70, 229)");
  expect(warnings.join("\n")).toContain("ignoring data-accent");
});

test("a light accent gets dark text and a dark accent white text", async ({ page }) => {
  const textOn = async (accent: string) => {
    await page.goto(customerPage({ accent, open: "true" }));
    await expect(dialog(page)).toBeVisible();
    // The computed colour may be written in lch(); a canvas turns any CSS colour into RGB.
    return page.locator(".panel-header").evaluate((el) => {
      const context = document.createElement("canvas").getContext("2d")!;
      context.fillStyle = getComputedStyle(el).color;
      context.fillRect(0, 0, 1, 1);
      return Array.from(context.getImageData(0, 0, 1, 1).data.slice(0, 3));
    });
  };
  expect(await textOn("yellow")).toEqual([0, 0, 0]);
  expect(await textOn("#123456")).toEqual([255, 255, 255]);
});

test("data-open=true opens the panel at once without taking the page's focus", async ({ page }) => {
  await page.goto(customerPage({ open: "true" }));
  await expect(dialog(page)).toBeVisible();
  await expect(page.locator("li.welcome")).toContainText("Northwind Coffee assistant");
  expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("BODY");
});

test("inline mode renders the chat inside the target element, with no launcher and not fixed", async ({ page }) => {
  const errors = watchErrors(page);
  const wasm = watchWasm(page);
  await page.goto(customerPage({ mode: "inline", target: "#support-chat" }));
  const panel = page.locator("#support-chat .panel");
  await expect(panel).toBeVisible();
  await expect(page.getByRole("region", { name: "Chat with Northwind Coffee" })).toBeVisible();
  await expect(panel).toHaveCSS("position", "relative");
  await expect(page.getByRole("button", { name: /chat/i })).toHaveCount(0);
  const target = await page.locator("#support-chat").boundingBox();
  const box = await panel.boundingBox();
  expect(box && target).toBeTruthy();
  expect(box!.x).toBeGreaterThanOrEqual(target!.x);
  expect(box!.y).toBeGreaterThanOrEqual(target!.y);
  expect(box!.height).toBeCloseTo(target!.height, 0);
  expect(wasm.length).toBe(1);
  // Escape means nothing to a panel that is part of the page.
  await page.getByLabel("Your message").press("Escape");
  await expect(panel).toBeVisible();
  expect(errors).toEqual([]);
});

test("fullscreen mode opens a panel that fills the viewport", async ({ page }) => {
  await page.setViewportSize({ width: 1000, height: 700 });
  await page.goto(customerPage({ mode: "fullscreen" }));
  await launcher(page).click();
  await expect(dialog(page)).toBeVisible();
  expect(await dialog(page).boundingBox()).toEqual({ x: 0, y: 0, width: 1000, height: 700 });
  await expect(page.locator(".launcher")).toBeHidden();
  await page.getByLabel("Your message").press("Escape");
  await expect(launcher(page)).toBeVisible();
});

test("data-load=idle fetches the widget after the page loads without a click; the default waits for the click", async ({ page }) => {
  const wasm = watchWasm(page);
  await page.goto(customerPage());
  await page.waitForLoadState("load");
  await page.waitForTimeout(1_500);
  expect(wasm, "without data-load=idle nothing is fetched before the visitor opens the chat").toEqual([]);

  const prefetched = page.waitForRequest((r) => r.url().endsWith(".wasm"));
  await page.goto(customerPage({ load: "idle" }));
  await prefetched;
  await expect(launcher(page)).toBeVisible();
  await expect(dialog(page)).toHaveCount(0);
  await launcher(page).click();
  await expect(dialog(page)).toBeVisible();
  expect(wasm.length, "opening reuses the prefetched WASM").toBe(1);
});

/** An answer as the widget API streams it, for a routed chat request. */
function sse(text: string): string {
  const event = (name: string, data: unknown, id?: number) =>
    `event: ${name}\n${id ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
  const pieces = text.match(/[\s\S]{1,12}/g) ?? [];
  return (
    event("start", { conversation_id: "conv_routed", user_message_id: "msg_q", message_id: "msg_a" }) +
    pieces.map((piece, i) => event("delta", { text: piece }, i + 1)).join("") +
    event("done", {
      message_id: "msg_a",
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      finish_reason: "stop",
    })
  );
}

async function answerWith(route: Route, body: string) {
  const cors = {
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "content-type",
    "access-control-allow-methods": "POST",
  };
  if (route.request().method() === "OPTIONS") {
    await route.fulfill({ status: 204, headers: cors });
  } else {
    await route.fulfill({ status: 200, headers: { ...cors, "content-type": "text/event-stream" }, body });
  }
}

test("an answer's Markdown becomes elements, links open safely in a new tab, and markup stays text", async ({ page }) => {
  const errors = watchErrors(page);
  const images: string[] = [];
  page.on("request", (r) => r.url().includes("pixel.gif") && images.push(r.url()));
  const markdown = [
    "**Bold** and *italic* with `code`:",
    "",
    "- one",
    "- two",
    "",
    "1. first",
    "",
    "> quoted",
    "",
    "```",
    "<b>not bold</b>",
    "```",
    "",
    "[Docs](https://example.com/docs) [bad](javascript:window.__pwned=1) <script>window.__pwned=1</script>",
    `<img src=x onerror="window.__pwned=1"> ![tracking pixel](${CUSTOMER_URL}/pixel.gif)`,
  ].join("\n");
  await page.route(`${PARLOR_URL}/widget/v1/chatbots/${BOT}/chat`, (route) => answerWith(route, sse(markdown)));
  // The faked conversation does not exist on the server; the widget's live stream of it is faked too.
  await page.route(/\/conversations\/conv_routed\/events/, (route) => answerWith(route, ""));

  await page.goto(customerPage({ open: "true" }));
  await ask(page, "Show me some Markdown");
  const answer = lastAnswer(page).locator(".text");
  await expect(answer.locator("strong")).toHaveText("Bold");
  await expect(answer.locator("em")).toHaveText("italic");
  await expect(answer.locator("p code")).toHaveText("code");
  await expect(answer.locator("ul > li")).toHaveText(["one", "two"]);
  await expect(answer.locator("ol > li")).toHaveText(["first"]);
  await expect(answer.locator("blockquote")).toHaveText("quoted");
  await expect(answer.locator("pre code")).toHaveText("<b>not bold</b>");
  await expect(answer.locator("b")).toHaveCount(0);

  const links = answer.locator("a");
  await expect(links).toHaveCount(1);
  await expect(links).toHaveText("Docs");
  await expect(links).toHaveAttribute("href", "https://example.com/docs");
  await expect(links).toHaveAttribute("target", "_blank");
  await expect(links).toHaveAttribute("rel", "noopener noreferrer");

  await expect(answer).toContainText("bad <script>window.__pwned=1</script>");
  await expect(answer).toContainText(`<img src=x onerror="window.__pwned=1"> tracking pixel`);
  await expect(answer.locator("script, img")).toHaveCount(0);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(images, "an image in an answer is never loaded").toEqual([]);
  expect(errors).toEqual([]);
});

test("the demo's quoted passage renders as a quote under its introduction", async ({ page }) => {
  await page.goto(`${DEMO_URL}/`);
  await launcher(page).click();
  await ask(page, "How do you roast your beans?");
  const answer = lastAnswer(page).locator(".text");
  // The built-in responder quotes the sentence that covers the question best ("roast" and
  // "beans") and the ones after it (issue 19's passage selection).
  await expect(answer.locator("blockquote")).toContainText("Light roasts keep the fruit of single-origin beans");
  await expect(answer.locator("blockquote")).toContainText("day 5 to day 30 after roasting.");
  await expect(answer.locator(":scope > p")).toHaveText("Here is what I found in “How we roast”:");
  await expect(answer).not.toContainText(">");
});

test("the stop button ends a streaming answer and keeps what had arrived, marked as stopped", async ({ page }) => {
  const aborted: string[] = [];
  page.on("requestfailed", (r) => r.url().endsWith("/chat") && aborted.push(r.failure()?.errorText ?? ""));
  await page.goto(`${DEMO_URL}/`);
  await launcher(page).click();
  await ask(page, "How do you roast your beans?");
  const answer = lastAnswer(page);
  await expect(answer.locator("blockquote")).toContainText("Light roasts");
  // The server is asked to stop generating too, for the answer the `start` event named.
  const stopRequest = page.waitForRequest(
    (r) => r.method() === "POST" && /\/widget\/v1\/chatbots\/bot_demo\/messages\/[^/]+\/stop$/.test(r.url()),
  );
  await page.getByRole("button", { name: "Stop" }).click();
  await stopRequest;

  await expect(answer).toHaveClass(/stopped/);
  await expect(answer.locator(".note")).toHaveText("Stopped");
  await expect(page.getByRole("button", { name: "Send" })).toBeEnabled();
  const kept = await answer.locator(".text").innerText();
  expect(kept).toContain("Light roasts");
  // The demo server would go on for over a second more at 25 ms a word; nothing more arrives.
  await page.waitForTimeout(1_500);
  expect(await answer.locator(".text").innerText()).toBe(kept);
  expect(kept).not.toContain("day 30 after roasting");
  expect(aborted).toEqual(["net::ERR_ABORTED"]);
});

test("a failed answer offers Retry, which sends the same message again", async ({ page }) => {
  const sent: string[] = [];
  let failNext = true;
  await page.route(`${PARLOR_URL}/widget/v1/chatbots/${BOT}/chat`, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    sent.push(route.request().postDataJSON().message);
    if (failNext) {
      failNext = false;
      return route.abort("internetdisconnected");
    }
    return route.continue();
  });
  await page.goto(`${DEMO_URL}/`);
  await launcher(page).click();
  await ask(page, "What are your opening hours?");
  const answer = lastAnswer(page);
  await expect(answer).toHaveClass(/failed/);
  await expect(answer.locator(".error")).toContainText("could not be sent");

  await answer.getByRole("button", { name: "Retry" }).click();
  // The retry button is disabled and then removed, so the keyboard focus goes to the message field.
  await expect(page.getByLabel("Your message")).toBeFocused();
  await expect(answer.locator(".text")).toContainText("Monday to Friday from 7:30 to 18:00");
  await expect(answer).not.toHaveClass(/failed/);
  await expect(answer.getByRole("button", { name: "Retry" })).toHaveCount(0);
  await expect(answer.locator(".error")).toHaveCount(0);
  expect(sent).toEqual(["What are your opening hours?", "What are your opening hours?"]);
  await expect(page.locator("li.line.visitor")).toHaveCount(1);
});

test("the panel is a labelled dialog with a polite live list, and Escape closes it back to the launcher", async ({ page }) => {
  await page.goto(`${DEMO_URL}/`);
  await launcher(page).click();
  await expect(dialog(page)).toBeVisible();
  await expect(page.locator("ol.messages")).toHaveAttribute("aria-live", "polite");
  await expect(page.getByLabel("Your message")).toBeFocused();

  await page.keyboard.press("Escape");
  await expect(dialog(page)).toHaveCount(0);
  await expect(launcher(page)).toBeFocused();
  await expect(launcher(page)).toHaveAttribute("aria-expanded", "false");

  // The focus ring is visible for keyboard users.
  await expect(launcher(page)).toHaveCSS("outline-style", "solid");
  await page.keyboard.press("Enter");
  await expect(dialog(page)).toBeVisible();
});

test("an answer that completes while the panel is closed puts an unread badge on the launcher", async ({ page }) => {
  await page.goto(`${DEMO_URL}/`);
  await launcher(page).click();
  // The longest demo answer, so that it is still streaming when the panel closes.
  await ask(page, "How do you roast your beans?");
  await page.keyboard.press("Escape");
  await expect(dialog(page)).toHaveCount(0);

  const badge = page.locator(".launcher .badge");
  await expect(badge).toHaveText("1");
  await expect(page.getByRole("button", { name: "Open chat (1 new answer)" })).toBeVisible();

  await launcher(page).click();
  await expect(lastAnswer(page).locator("blockquote")).toContainText("day 30 after roasting");
  await expect(badge).toHaveCount(0);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: "Open chat", exact: true })).toBeVisible();
});
