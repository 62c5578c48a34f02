import { execFileSync } from "node:child_process";
import { expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";
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
 * Clicks `button` until `shown` is visible. A portal page ignores clicks until it has hydrated,
 * and a test that clicks right after loading it can lose the click.
 */
export async function clickUntilShown(button: Locator, shown: Locator): Promise<void> {
  await expect(async () => {
    await button.click();
    await expect(shown).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}
