// Accessibility and small screens: axe-core finds no serious or critical violation in the
// widget (light, dark, mobile), the open panel traps the focus and Escape closes it, new
// messages are announced, motion stops for visitors who ask, and the panel covers a phone's
// screen. The README's screenshots are taken here.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { ask, customerPage, launcher, newChatbot } from "./widget-helpers";

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).include("[data-parlor-widget]").analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

for (const theme of ["light", "dark"]) {
  test(`axe finds no serious or critical violations in the ${theme} widget, closed and open with an answer`, async ({ page, request }) => {
    const bot = await newChatbot(request, "Accessible Bot", { starter_questions: ["What are your opening hours?"] });
    await page.goto(customerPage(bot, { theme }));
    await expect(launcher(page)).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await launcher(page).click();
    await expect(page.getByRole("list", { name: "Suggested questions" })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await ask(page, "Hello");
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `../docs/images/widget-${theme}.png` });
  });
}

test("the open panel keeps the focus inside, Escape closes it, and new messages are announced", async ({ page, request }) => {
  const bot = await newChatbot(request, "Keyboard Bot");
  await page.goto(customerPage(bot));
  await launcher(page).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Chat with Keyboard Bot" });
  await expect(dialog).toHaveAttribute("aria-modal", "true");
  await expect(page.getByLabel("Your message")).toBeFocused();
  const focusedInPanel = () =>
    page.evaluate(() => {
      const root = document.querySelector("[data-parlor-widget]")?.shadowRoot;
      return Boolean(root?.activeElement?.closest(".panel"));
    });
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    expect(await focusedInPanel(), `after ${i + 1} Tab presses`).toBe(true);
  }
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Shift+Tab");
    expect(await focusedInPanel(), `after ${i + 1} Shift+Tab presses`).toBe(true);
  }
  // Every control has an accessible name.
  const unnamed = await page.evaluate(() => {
    const root = document.querySelector("[data-parlor-widget]")?.shadowRoot;
    return [...(root?.querySelectorAll("button, input") ?? [])]
      .filter((el) => !(el.getAttribute("aria-label") || el.textContent?.trim()))
      .map((el) => el.outerHTML);
  });
  expect(unnamed).toEqual([]);

  const list = page.locator("ol.messages");
  await expect(list).toHaveAttribute("aria-live", "polite");
  await ask(page, "Hello");
  await expect(list).toHaveAttribute("aria-busy", "false");
  await expect(list.locator("li.line.bot:not(.welcome)")).toHaveCount(1);

  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(launcher(page)).toBeFocused();
});

test("animations stop for visitors who prefer reduced motion", async ({ page, request }) => {
  const bot = await newChatbot(request, "Calm Bot");
  await page.goto(customerPage(bot));
  await launcher(page).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  const animation = () =>
    page.evaluate(() => {
      const panel = document.querySelector("[data-parlor-widget]")?.shadowRoot?.querySelector(".parlor");
      const typing = document.createElement("span");
      typing.className = "typing";
      typing.innerHTML = "<i></i>";
      panel?.append(typing);
      const name = getComputedStyle(typing.firstElementChild as Element).animationName;
      typing.remove();
      return name;
    });
  expect(await animation()).toBe("parlor-blink");
  await page.emulateMedia({ reducedMotion: "reduce" });
  expect(await animation()).toBe("none");
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 740 }, hasTouch: true });

  test("the panel covers the whole screen, hides the launcher and passes axe", async ({ page, request }) => {
    const bot = await newChatbot(request, "Mobile Bot");
    await page.goto(customerPage(bot));
    await launcher(page).click();
    const dialog = page.getByRole("dialog", { name: "Chat with Mobile Bot" });
    await expect(dialog).toBeVisible();
    expect(await dialog.boundingBox()).toEqual({ x: 0, y: 0, width: 375, height: 740 });
    await expect(page.locator(".launcher")).toBeHidden();
    await ask(page, "Hello from my phone");
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: "../docs/images/widget-mobile.png" });
    await page.getByRole("button", { name: "Close chat" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.locator(".launcher")).toBeVisible();
  });
});
