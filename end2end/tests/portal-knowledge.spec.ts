import { expect } from "@playwright/test";
import { PARLOR_URL } from "./env";
import { clickUntilShown, test } from "./helpers";

test("an owner teaches a chatbot in the portal: a Q&A pair, a dropped file, and a refused file", async ({ page, request }) => {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`${PARLOR_URL}/sign-up`);
  await page.locator("#email").fill(`knowledge-${Date.now()}@example.com`);
  await page.locator("#password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);

  await page.goto(`${PARLOR_URL}/keys`);
  await page.locator("#key-name").fill("setup");
  await clickUntilShown(page.getByRole("button", { name: "Create key" }), page.getByTestId("new-key-secret"));
  const key = (await page.getByTestId("new-key-secret").innerText()).trim();
  const created = await request.post(`${PARLOR_URL}/api/v2/chatbots`, {
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    data: JSON.stringify({ name: "Docs bot" }),
  });
  const chatbotId = (await created.json()).id;

  await page.getByRole("link", { name: "Knowledge" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Knowledge");
  await expect(page.getByText("Nothing yet")).toBeVisible();

  await page.getByLabel("A question and its answer").check();
  await page.locator("#knowledge-title").fill("When are you open?");
  await page.locator("#knowledge-content").fill("Monday to Friday, 9 to 5.");
  await page.getByRole("button", { name: "Add" }).click();
  const sources = page.getByTestId("source");
  await expect(sources.filter({ hasText: "When are you open?" })).toHaveAttribute("data-status", "ready");

  // A file dropped on the upload form is sent at once.
  await page.getByTestId("upload-form").evaluate((form) => {
    const data = new DataTransfer();
    data.items.add(new File(["# Returns\n\nReturns are free within 30 days of delivery.\n"], "returns.md", { type: "text/markdown" }));
    form.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await expect(page).toHaveURL(`${PARLOR_URL}/knowledge?chatbot=${chatbotId}`);
  await expect(sources.filter({ hasText: "returns.md" })).toHaveAttribute("data-status", "ready");

  // What was learned answers through the API's search.
  const search = await request.post(`${PARLOR_URL}/api/v2/chatbots/${chatbotId}/knowledge/search`, {
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    data: JSON.stringify({ query: "free returns" }),
  });
  expect(search.status()).toBe(200);
  expect(await search.text()).toContain("30 days");
  // A file that is not a document comes back with the reason, and nothing is learned.
  await page.locator("#knowledge-file").setInputFiles({ name: "tool.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ") });
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByTestId("upload-error")).toContainText("not a supported document");
  await expect(sources).toHaveCount(2);

  await sources.filter({ hasText: "When are you open?" }).getByRole("button", { name: "Delete" }).click();
  await expect(sources).toHaveCount(1);
  expect(errors).toEqual([]);
});
