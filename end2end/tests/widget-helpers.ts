// What the widget's own specs share: the customer page's address, a chatbot of their own (so
// that settings and conversations of one test do not meet another's), and the page's stub of
// `window.Parlor` from docs/widget.md.
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { createChatbot, createKey } from "./helpers";
import { CUSTOMER_URL, PARLOR_URL } from "./env";

let key: string | undefined;

/** The suite's API key, made once with the operator CLI. */
export function apiKey(): string {
  key ??= createKey();
  return key;
}

export function auth(): Record<string, string> {
  return { Authorization: `Bearer ${apiKey()}` };
}

/** A new chatbot, with settings changed over the API when given. */
export async function newChatbot(request: APIRequestContext, name: string, settings?: object): Promise<string> {
  const bot = await createChatbot(request, apiKey(), name);
  if (settings) {
    const response = await request.patch(`${PARLOR_URL}/api/v2/chatbots/${bot}`, { headers: auth(), data: settings });
    expect(response.status()).toBe(200);
  }
  return bot;
}

/** The customer page embedding `bot`, with embed attributes (and `csp`) as query parameters. */
export function customerPage(bot: string, attributes: Record<string, string> = {}): string {
  return `${CUSTOMER_URL}/?${new URLSearchParams({ backend: PARLOR_URL, bot, ...attributes })}`;
}

/** The stub a page puts before the loader (docs/widget.md): calls wait in `Parlor.q`. */
export const STUB =
  'window.Parlor=window.Parlor||{q:[]};["open","close","toggle","identify","setLocale","sendMessage","on","destroy"]' +
  ".forEach(function(m){Parlor[m]=Parlor[m]||function(){Parlor.q.push([m,arguments])}});";

/** Console errors and uncaught exceptions of the page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  return errors;
}

export const launcher = (page: Page) => page.getByRole("button", { name: /^Open chat/ });
export const composer = (page: Page) => page.getByLabel("Your message");
export const answers = (page: Page) => page.locator("li.line.bot:not(.welcome)");

/** Sends a message from the open panel and waits for its complete answer. */
export async function ask(page: Page, message: string): Promise<void> {
  const before = await answers(page).count();
  await composer(page).fill(message);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(answers(page)).toHaveCount(before + 1);
  await expect(answers(page).last().locator(".feedback")).toBeVisible();
}
