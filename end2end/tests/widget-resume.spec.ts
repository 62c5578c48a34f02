// The network drops in the middle of an answer: the server finishes the answer anyway, and the
// widget picks it up where it stopped (`/messages/{id}/stream?after=`), retrying while offline,
// so the visitor ends with the whole answer, each piece once.
import { expect, test } from "@playwright/test";
import { PARLOR_URL } from "./env";
import { answers, auth, composer, customerPage, launcher, newChatbot, watchErrors } from "./widget-helpers";

const ANSWER =
  "Our opening hours are nine to five on weekdays, ten to two on Saturdays, and we are closed on Sundays " +
  "and public holidays; orders placed outside these hours ship on the next working day.";

test("an answer whose connection drops halfway is resumed and ends whole, each piece once", async ({ page, request }) => {
  const errors = watchErrors(page);
  const bot = await newChatbot(request, "Resume Bot");
  const knowledge = await request.post(`${PARLOR_URL}/api/knowledge`, {
    headers: auth(),
    data: { chatbotId: bot, type: "qa", source: "When are you open?", content: ANSWER },
  });
  expect(knowledge.status()).toBe(201);

  // The chat request reaches the real server, but the visitor's connection gives out after the
  // second piece of text: the page receives the beginning of the stream and then nothing.
  await page.route(`${PARLOR_URL}/widget/v1/chatbots/${bot}/chat`, async (route) => {
    const response = await route.fetch();
    const events = (await response.text()).split("\n\n");
    const secondDelta = events.findIndex((e, i) => e.includes("event: delta") && events.slice(0, i).some((x) => x.includes("event: delta")));
    expect(secondDelta).toBeGreaterThan(0);
    await route.fulfill({ response, body: events.slice(0, secondDelta + 1).join("\n\n") + "\n\n" });
  });
  // The first attempt to resume finds the network still down; the next one gets through.
  const resumes: string[] = [];
  await page.route(`${PARLOR_URL}/widget/v1/chatbots/${bot}/messages/*/stream*`, async (route) => {
    resumes.push(new URL(route.request().url()).searchParams.get("after") ?? "");
    if (resumes.length === 1) {
      await route.abort("internetdisconnected");
    } else {
      await route.continue();
    }
  });

  await page.goto(customerPage(bot));
  await launcher(page).click();
  await composer(page).fill("When are you open?");
  await page.getByRole("button", { name: "Send" }).click();
  const answer = answers(page).last();
  await expect(answer.locator(".feedback")).toBeVisible({ timeout: 20_000 });
  await expect(answer.locator(".text")).toHaveText(ANSWER);
  await expect(answer.locator(".error")).toHaveCount(0);
  expect(resumes).toEqual(["2", "2"]);

  // The stored answer is the one the visitor sees.
  const conversation = await page.evaluate((bot) => localStorage.getItem(`parlor:conversation:${bot}`), bot);
  const stored = await request.get(`${PARLOR_URL}/api/v2/conversations/${conversation}`, { headers: auth() });
  const messages = (await stored.json()).messages as { role: string; content: string }[];
  expect(messages.filter((m) => m.role === "assistant").map((m) => m.content)).toEqual([ANSWER]);
  expect(errors.filter((e) => !e.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
});
