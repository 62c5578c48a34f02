// A developer's whole first hour, in the browser and a shell: sign up in the portal, create an
// API key (its secret is shown once), run the docs' quick-start command that creates a chatbot,
// see it on /chatbots, teach it with the quick-start's Q&A command, then build the embed snippet
// on /docs/widget and ask the live preview's widget, which answers with what it was taught.
// The Widget SDK page's pictures for the README are taken here, light and dark.
import { execSync } from "node:child_process";
import { expect, type Page } from "@playwright/test";
import { PARLOR_URL } from "./env";
import { clickUntilShown, test } from "./helpers";

// Tall enough for the preview frame, whose launcher sits at its bottom, to fit on the screen.
test.use({ viewport: { width: 1280, height: 960 } });

/** The text of a docs block with `testId`, if the docs page has one. */
async function docsBlock(page: Page, testId: string): Promise<string | undefined> {
  const block = page.getByTestId(testId);
  if ((await block.count()) === 0) return undefined;
  return (await block.innerText()).trim();
}

/** Runs a docs command in a shell, as a developer pasting it would, and returns its output. */
function run(command: string): string {
  return execSync(command, { shell: "/bin/bash", encoding: "utf8", timeout: 20_000 });
}

/** A string field of the JSON body in a curl command (`"name": "value"`). */
function bodyField(command: string, name: string): string | undefined {
  return new RegExp(`"${name}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(command)?.[1];
}

test("a developer signs up, creates a chatbot and its knowledge from the docs, and the widget preview answers", async ({ page, request }) => {
  test.setTimeout(90_000);
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));

  await page.goto(`${PARLOR_URL}/sign-up`);
  await page.locator("#email").fill(`journey-${Date.now()}@example.com`);
  await page.locator("#password").fill("correct horse battery staple");
  await page.locator("#workspace").fill("Journey Co");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);

  await page.goto(`${PARLOR_URL}/keys`);
  await page.locator("#key-name").fill("laptop");
  await clickUntilShown(page.getByRole("button", { name: "Create key" }), page.getByTestId("new-key-secret"));
  const key = (await page.getByTestId("new-key-secret").innerText()).trim();
  expect(key).toMatch(/^sk_/);

  // The quick start's first command creates a chatbot.
  await page.goto(`${PARLOR_URL}/docs`);
  const create = await docsBlock(page, "quickstart-create");
  expect(create, "the docs show the quick start's create command").toBeDefined();
  expect(create).toContain("YOUR_API_KEY");
  const output = run(create!.replaceAll("YOUR_API_KEY", key));
  const created = JSON.parse(output.slice(output.indexOf("{")));
  const chatbotId: string = created.id;
  expect(chatbotId).toBeTruthy();

  await page.goto(`${PARLOR_URL}/chatbots`);
  await expect(page.getByTestId("chatbot-row").filter({ hasText: created.name })).toBeVisible();

  // After a reload the docs fill in the chatbot's id; the second command adds a Q&A pair.
  await page.goto(`${PARLOR_URL}/docs`);
  let question = "What are your opening hours?";
  let answer = "Monday to Friday, nine to five.";
  const teach = await docsBlock(page, "quickstart-knowledge");
  if (teach) {
    const command = teach.replaceAll("YOUR_API_KEY", key).replaceAll("YOUR_CHATBOT_ID", chatbotId);
    expect(command).toContain(chatbotId);
    question = bodyField(command, "source") ?? question;
    answer = bodyField(command, "content") ?? answer;
    run(command);
  } else {
    test.info().annotations.push({ type: "note", description: "no quickstart-knowledge block yet: the Q&A pair was added over the API" });
    const response = await request.post(`${PARLOR_URL}/api/knowledge`, {
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      data: JSON.stringify({ chatbot_id: chatbotId, type: "qa", source: question, content: answer }),
    });
    expect(response.status()).toBe(201);
  }

  // The Widget SDK page: pick the chatbot and a theme; the preview's widget answers.
  const sdkLink = page.getByRole("link", { name: "Widget SDK" });
  if ((await sdkLink.count()) > 0) await sdkLink.first().click();
  else await page.goto(`${PARLOR_URL}/docs/widget`);
  await expect(page).toHaveURL(`${PARLOR_URL}/docs/widget`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Widget SDK");
  const snippet = page.getByTestId("snippet");
  await expect(async () => {
    await page.getByLabel("Chatbot", { exact: true }).selectOption(chatbotId);
    await page.getByLabel("Theme", { exact: true }).selectOption("dark");
    await expect(snippet).toContainText(`data-chatbot-id="${chatbotId}" data-theme="dark"`, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  const preview = page.frameLocator('iframe[title="Widget preview"]');
  await page.locator('iframe[title="Widget preview"]').scrollIntoViewIfNeeded();
  await preview.getByRole("button", { name: /^Open chat/ }).click();
  await preview.getByLabel("Your message").fill(question);
  await preview.getByRole("button", { name: "Send" }).click();
  const reply = preview.locator("li.line.bot:not(.welcome) .text").last();
  // The answer quotes the taught answer (Markdown may format it, so its first words are enough).
  await expect(reply).toContainText(answer.split(/[.,!?]/)[0].trim());
  await expect(preview.getByRole("button", { name: "Send" })).toBeEnabled();
  await page.emulateMedia({ colorScheme: "dark" });
  await page.locator(".sdk-builder").screenshot({ path: "../docs/images/portal-widget-sdk-dark.png" });

  await page.emulateMedia({ colorScheme: "light" });
  await page.getByLabel("Theme", { exact: true }).selectOption("light");
  await expect(snippet).toContainText('data-theme="light"');
  await page.locator('iframe[title="Widget preview"]').scrollIntoViewIfNeeded();
  await preview.getByRole("button", { name: /^Open chat/ }).click();
  await expect(preview.getByText(answer.split(/[.,!?]/)[0].trim()).first()).toBeVisible();
  await page.locator(".sdk-builder").screenshot({ path: "../docs/images/portal-widget-sdk.png" });
  expect(errors).toEqual([]);
});
