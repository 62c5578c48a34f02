import { execFileSync } from "node:child_process";
import { test as base, expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import { DATA_DIR, PARLOR_BIN, PARLOR_URL, REPO_ROOT } from "./env";

/** Creates an API key with the operator CLI, as the README tells a new user to. */
export function createKey(): string {
  const out = execFileSync(PARLOR_BIN, ["key", "create", "--name", "e2e", "--all-scopes", "--data-dir", DATA_DIR], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: "", RUST_LOG: "warn" },
  });
  return out.toString().trim();
}

/** Creates a chatbot over the public API with the seed's quick-start request. */
export async function createChatbot(request: APIRequestContext, key: string, name: string): Promise<string> {
  const response = await request.post(`${PARLOR_URL}/api/chatbots`, {
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    data: JSON.stringify({ name }),
  });
  expect(response.status()).toBe(201);
  return (await response.json()).id;
}

/**
 * Sends a message in the open widget and returns every distinct text the bot's answer showed
 * while it streamed in, ending with the final text.
 */
export async function sendAndWatch(page: Page, message: string, expected: RegExp): Promise<string[]> {
  const input = page.getByLabel("Your message");
  await input.fill(message);
  await page.getByRole("button", { name: "Send" }).click();
  const answer = page.locator("li.line.bot:not(.welcome)").last().locator(".text");
  const seen: string[] = [];
  await expect
    .poll(
      async () => {
        const text = (await answer.count()) > 0 ? await answer.innerText() : "";
        if (text && seen[seen.length - 1] !== text) seen.push(text);
        return text;
      },
      { intervals: [15], timeout: 15_000 },
    )
    .toMatch(expected);
  // Let the stream finish: the send button is enabled again once the answer is complete.
  await expect(page.getByRole("button", { name: "Send" })).toBeEnabled();
  seen.push(await answer.innerText());
  return seen;
}

/**
 * Waits until the portal page's islands have hydrated: until then its buttons and forms do not
 * react. The app marks `<html data-hydrated>` once they have.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1, { timeout: 20_000 });
}

/**
 * Clicks `button` until `shown` is visible, once the page has hydrated (a click before that is
 * lost). It clicks again if the first did not show it, as a row may re-render under the pointer.
 */
export async function clickUntilShown(button: Locator, shown: Locator): Promise<void> {
  await waitForHydration(button.page());
  await expect(async () => {
    await button.click();
    await expect(shown).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}

/** Portal pages (Leptos, with islands that hydrate); not the API, nor the widget's preview page. */
function isPortalPage(url: string): boolean {
  if (!url.startsWith(PARLOR_URL)) return false;
  const path = new URL(url).pathname;
  return !path.startsWith("/api/") && !path.startsWith("/portal/") && !path.startsWith("/widget");
}

const hydratingPages = new WeakSet<Page>();
let locatorsPatched = false;

/**
 * Makes every click, fill and choice on a portal page wait until the page has hydrated. Every
 * link in the portal is a page load (islands mode), and a form used before its island hydrated
 * would lose what was typed or clicked; a person is slower than the WASM, a test is not.
 */
function waitForHydrationBeforeActions(sample: Locator): void {
  if (locatorsPatched) return;
  locatorsPatched = true;
  const proto = Object.getPrototypeOf(sample) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of ["click", "dblclick", "fill", "press", "check", "uncheck", "setChecked", "selectOption", "setInputFiles"]) {
    const action = proto[name];
    proto[name] = async function (this: Locator, ...args: unknown[]) {
      const page = this.page();
      if (hydratingPages.has(page) && isPortalPage(page.url())) await waitForHydration(page);
      return action.apply(this, args);
    };
  }
}

/** Playwright's `test`, whose `page` waits for the portal's hydration before it acts. */
export const test = base.extend({
  page: async ({ page, javaScriptEnabled }, use) => {
    if (javaScriptEnabled !== false) {
      hydratingPages.add(page);
      waitForHydrationBeforeActions(page.locator("html"));
    }
    await use(page);
  },
});
