// The `window.Parlor` JavaScript API on a customer's page of another origin: calls queued by the
// page's stub before the loader ran, every method, the events, and identity verification.
import { createHmac } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { PARLOR_URL } from "./env";
import { STUB, answers, auth, customerPage, launcher, newChatbot, watchErrors } from "./widget-helpers";

/** Records every event the page hears in `window.__events`, as [name, detail] pairs. */
const RECORD =
  'window.__events=[];["ready","open","close","message","lead","identify","error"].forEach(function(n){' +
  "Parlor.on(n,function(d){__events.push([n,d===undefined?null:d])})});";

const events = (page: Page) => page.evaluate(() => (window as unknown as { __events: [string, unknown][] }).__events);
const names = async (page: Page) => (await events(page)).map(([name]) => name);

test("calls made before the widget loads wait in the stub's queue and run once it has loaded", async ({ page, request }) => {
  const bot = await newChatbot(request, "Queue Bot");
  const wasm: string[] = [];
  page.on("request", (r) => r.url().endsWith(".wasm") && wasm.push(r.url()));
  // The stub and the calls run before the loader's async script, as on a real page.
  await page.addInitScript(STUB + RECORD + 'Parlor.setLocale("de");');
  await page.goto(customerPage(bot));
  await expect(page.getByRole("button", { name: "Chat öffnen" })).toBeVisible();
  expect(wasm, "queued calls that need no widget do not load it").toEqual([]);
  expect(await events(page)).toEqual([]);

  await page.evaluate(() => (window as unknown as { Parlor: { open(): void } }).Parlor.open());
  await expect(page.getByRole("dialog", { name: "Chat mit Queue Bot" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Senden" })).toBeVisible();
  await expect.poll(() => names(page)).toEqual(["ready", "open"]);
  expect(wasm).toHaveLength(1);
});

test("open, close, toggle, sendMessage, setLocale, on and destroy drive the widget from the page", async ({ page, request }) => {
  const errors = watchErrors(page);
  const bot = await newChatbot(request, "API Bot");
  await page.goto(customerPage(bot));
  await page.evaluate(RECORD);
  const parlor = (call: string) => page.evaluate(`window.Parlor.${call}`);
  const dialog = page.getByRole("dialog", { name: "Chat with API Bot" });

  await parlor("open()");
  await expect(dialog).toBeVisible();
  await expect(page.getByLabel("Your message"), "the page's open() moves the focus into the chat").toBeFocused();
  await parlor("close()");
  await expect(dialog).toBeHidden();
  await parlor("toggle()");
  await expect(dialog).toBeVisible();
  await parlor("toggle()");
  await expect(dialog).toBeHidden();
  await expect.poll(() => names(page)).toEqual(["ready", "open", "close", "open", "close"]);

  await parlor('sendMessage("Hello there")');
  await expect(dialog, "sendMessage opens the panel").toBeVisible();
  await expect(page.locator("li.line.visitor")).toHaveText("Hello there");
  await expect(answers(page)).toHaveCount(1);
  await expect.poll(async () => (await events(page)).filter(([name]) => name === "message").length).toBe(2);
  const messages = (await events(page)).filter(([name]) => name === "message").map(([, detail]) => detail);
  expect(messages[0]).toMatchObject({ role: "user", text: "Hello there" });
  expect(messages[1]).toMatchObject({ role: "assistant", text: "Hello! I'm API Bot. How can I help you today?" });
  expect((messages[1] as { conversationId: string }).conversationId).toMatch(/^conv_/);

  await parlor('setLocale("ja")');
  await expect(page.getByRole("dialog", { name: "API Botとチャット" })).toBeVisible();
  await expect(page.getByRole("button", { name: "送信" })).toBeVisible();
  await parlor('setLocale("en-GB")');
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();

  // `on` returns the API, so calls chain; a listener that throws does not stop the others.
  await page.evaluate(`window.Parlor.on("close", function () { throw new Error("a broken listener") }).on("close", function () { window.__closedToo = true })`);
  await parlor("close()");
  await expect.poll(() => page.evaluate("window.__closedToo === true")).toBe(true);
  errors.splice(0);

  await parlor("destroy()");
  await expect(page.locator("[data-parlor-widget]")).toHaveCount(0);
  expect(await page.evaluate("typeof window.Parlor")).toBe("undefined");
  expect(errors).toEqual([]);
});

test("messages the page sends while an answer streams wait for it and are sent in turn, none lost", async ({ page, request }) => {
  const bot = await newChatbot(request, "Busy Bot");
  await page.goto(customerPage(bot));
  await page.evaluate(RECORD);
  // Three calls in one go: the second and third arrive while the first answer streams.
  await page.evaluate('window.Parlor.sendMessage("Hi one"); window.Parlor.sendMessage("Hi two"); window.Parlor.sendMessage("Hi three")');
  await expect(page.locator("li.line.visitor")).toHaveText(["Hi one", "Hi two", "Hi three"]);
  await expect(answers(page)).toHaveCount(3);
  await expect(answers(page).locator(".text")).toHaveText(Array(3).fill("Hello! I'm Busy Bot. How can I help you today?"));
  const messages = (await events(page)).filter(([name]) => name === "message").map(([, detail]) => detail as { role: string; text: string });
  expect(messages.map((m) => `${m.role}:${m.role === "user" ? m.text : "answer"}`)).toEqual([
    "user:Hi one", "assistant:answer", "user:Hi two", "assistant:answer", "user:Hi three", "assistant:answer",
  ]);
});

test("identify with the HMAC of the id is verified, and a wrong hash is refused clearly", async ({ page, request }) => {
  const bot = await newChatbot(request, "Identity Bot");
  const created = await request.post(`${PARLOR_URL}/api/v2/chatbots/${bot}/identity-secret`, { headers: auth() });
  expect(created.status()).toBe(201);
  const { secret } = await created.json();
  const hash = (id: string) => createHmac("sha256", secret).update(id).digest("hex");
  const errors = watchErrors(page);
  await page.goto(customerPage(bot));
  await page.evaluate(RECORD);

  // Before the widget loads: kept, and sent once it has.
  await page.evaluate(`window.Parlor.identify({ id: "user-7", name: "Ada", email: "ada@example.com", hash: "${hash("user-7")}" })`);
  await launcher(page).click();
  await expect.poll(async () => (await events(page)).find(([name]) => name === "identify")?.[1]).toEqual({ id: "user-7", verified: true });

  await page.evaluate(`window.Parlor.identify({ id: "user-8", hash: "${hash("user-7")}" })`);
  await expect.poll(async () => (await events(page)).find(([name]) => name === "error")?.[1]).toMatchObject({
    message: expect.stringContaining("identity hash does not match"),
  });
  expect(errors.join("\n")).toContain("[parlor] identify was refused");
  // The visitor sees nothing of it: it is the page's developer's to fix.
  await expect(page.locator("li.line.system")).toHaveCount(0);
});

test("on an origin the chatbot does not allow, the widget says why in the console and shows the chat as unavailable", async ({ page, request }) => {
  const bot = await newChatbot(request, "Picky Bot", { allowed_origins: ["https://shop.example.com"] });
  const errors = watchErrors(page);
  await page.goto(customerPage(bot));
  await page.evaluate(RECORD);
  await launcher(page).click();
  await expect(page.locator("li.welcome")).toHaveText("The chat is not available right now. Please try again later.");
  // The server withholds CORS from the refused origin, so the widget is told nothing more than the browser.
  await expect
    .poll(() => errors.join("\n"))
    .toContain("[parlor] the chat cannot start here: Parlor did not answer. Either the network failed, or this page's origin (http://127.0.0.1:");
  expect((await events(page)).filter(([name]) => name === "error")).toHaveLength(1);
});
