"""What every browser test uses: the page audit (axe-core, structure, phone width, screenshots), sign-up, and
the quiz answer key read from the content pack (the quiz page never holds it, so a test has to know it)."""

import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
COURSE_DIR = ROOT / "content" / "courses" / "jichiho-hajimeno-ippo"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SIZES = (("desktop", DESKTOP), ("phone", PHONE))
BLOCKING = ("serious", "critical")
MAX_SHOT_HEIGHT = 12_000  # px; a taller page (the glossary, a law's table of contents) is shot from its top
PASSWORD = "machi-no-dx-2027"

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                                          summary: n.failureSummary}))}));
}"""

# Landmarks, headings, labels and error messages: what a screen-reader user relies on, on every page.
STRUCTURE = """(lang) => {
  const problems = [];
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const html = document.documentElement;
  if (html.lang !== lang) problems.push(`<html lang="${html.lang}">, expected "${lang}"`);
  if (!document.title.trim()) problems.push("empty <title>");
  const count = sel => document.querySelectorAll(sel).length;
  if (count("main, [role=main]") !== 1) problems.push(`${count("main, [role=main]")} main landmarks`);
  if (count("body > header") !== 1) problems.push("no banner (body > header)");
  if (count("body > footer") !== 1) problems.push("no contentinfo (body > footer)");
  if (!document.querySelector("body > header nav[aria-label]")) problems.push("no named navigation in the banner");
  for (const nav of document.querySelectorAll("nav"))
    if (!nav.getAttribute("aria-label") && !nav.getAttribute("aria-labelledby")) problems.push("a nav without a name");
  if (!document.querySelector("a.skip-link[href='#main']")) problems.push("no skip link");
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")];
  const h1s = headings.filter(h => h.tagName === "H1");
  if (h1s.length !== 1) problems.push(`${h1s.length} h1 elements`);
  if (headings.length && headings[0].tagName !== "H1") problems.push(`the first heading is ${headings[0].tagName}`);
  let level = 1;
  for (const h of headings) {
    const next = Number(h.tagName[1]);
    if (next > level + 1)
      problems.push(`heading level skips from h${level} to h${next}: "${h.textContent.trim().slice(0, 40)}"`);
    level = next;
  }
  const fields = "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea";
  for (const el of document.querySelectorAll(fields)) {
    const named = el.labels.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!named) problems.push(`a field without a label: ${el.outerHTML.slice(0, 80)}`);
  }
  for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby]")) {
    for (const attr of ["aria-describedby", "aria-labelledby"]) {
      for (const id of (el.getAttribute(attr) || "").split(/\\s+/).filter(Boolean))
        if (!document.getElementById(id)) problems.push(`${attr}="${id}" names no element`);
    }
  }
  const describedIds = new Set([...document.querySelectorAll("[aria-describedby]")]
    .flatMap(el => el.getAttribute("aria-describedby").split(/\\s+/)));
  for (const el of document.querySelectorAll("[aria-invalid=true]")) {
    const ids = (el.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
    const texts = ids.map(id => document.getElementById(id))
      .filter(e => e && visible(e) && e.textContent.trim());
    if (!texts.length) problems.push(`invalid field ${el.id} has no visible error message tied to it`);
  }
  for (const el of document.querySelectorAll(".errors, .quiz-field-error"))
    if (!el.id || !describedIds.has(el.id))
      problems.push(`error message not tied to a field: "${el.textContent.trim().slice(0, 40)}"`);
  return problems;
}"""

OVERFLOW = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const wide = [...document.body.querySelectorAll("*")].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width && r.right > width + 1 && !el.closest(".table-scroll, .visually-hidden, .skip-link");
  }).slice(0, 5).map(el =>
    `${el.tagName.toLowerCase()}.${el.className} (right ${Math.round(el.getBoundingClientRect().right)})`);
  return {scrollWidth: root.scrollWidth, clientWidth: width, wide};
}"""


def next_frame(page) -> None:
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


@dataclass
class Audit:
    """Checks and records every page the journeys visit; fails the test at the first page with a problem."""

    pages: list = field(default_factory=list)
    axe_version: str = ""
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def check(self, page, name: str, lang: str = "ja", sizes=SIZES, screenshots: bool = True) -> dict:
        page.wait_for_load_state("load")
        original = page.viewport_size
        number = next(self._counter)
        record = {"name": f"{number:03d}-{name}", "url": page.url, "violations": {}, "screenshots": []}
        problems: list[str] = []
        try:
            if not page.evaluate("typeof window.axe === 'object'"):
                # The page's own CSP (script-src 'self') blocks an inline <script> (page.add_script_tag), and the
                # tests keep that CSP on: the script is evaluated through the DevTools protocol instead.
                page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
            self.axe_version = page.evaluate("axe.version")
            for label, size in sizes:
                page.set_viewport_size(size)
                next_frame(page)
                violations = page.evaluate(AXE_RUN)
                record["violations"][label] = violations
                for v in violations:
                    if v["impact"] in BLOCKING:
                        where = "; ".join(f"{n['target']}: {n['summary']}" for n in v["nodes"])
                        problems.append(f"axe {v['impact']} at {label} width: {v['id']} ({v['help']}): {where}")
                if label == "phone":
                    overflow = page.evaluate(OVERFLOW)
                    record["overflow"] = overflow
                    if overflow["scrollWidth"] > overflow["clientWidth"]:
                        problems.append(f"horizontal scrolling at {size['width']} px: {overflow}")
                if screenshots or problems:
                    record["screenshots"].append(self._screenshot(page, record["name"], size))
            problems += page.evaluate(STRUCTURE, lang)
        finally:
            page.set_viewport_size(original)
        record["problems"] = problems
        self.pages.append(record)
        assert problems == [], f"{record['name']} ({page.url}):\n  " + "\n  ".join(problems)
        return record

    @staticmethod
    def _screenshot(page, name: str, size: dict) -> str:
        path = SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"
        height = page.evaluate("document.documentElement.scrollHeight")
        clip = None
        if height > MAX_SHOT_HEIGHT:
            clip = {"x": 0, "y": 0, "width": size["width"], "height": MAX_SHOT_HEIGHT}
        page.screenshot(path=str(path), full_page=True, clip=clip, animations="disabled")
        return str(path.relative_to(ROOT))

    def summary(self) -> dict:
        scans = [v for p in self.pages for v in p["violations"].values()]
        found = [v for violations in scans for v in violations]
        return {"axe_version": self.axe_version, "pages": len(self.pages), "scans": len(scans),
                "screenshots": sum(len(p["screenshots"]) for p in self.pages),
                "serious_or_critical": sum(1 for v in found if v["impact"] in BLOCKING),
                "moderate_or_minor": sum(1 for v in found if v["impact"] not in BLOCKING)}

    def write_report(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "axe-report.json").write_text(
            json.dumps({**self.summary(), "pages_checked": self.pages}, ensure_ascii=False, indent=1),
            encoding="utf-8")


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.jp"


def textbox(page, name: str):
    return page.get_by_role("textbox", name=name, exact=True)


def register(page, audit=None, name: str = "佐藤 花子", organisation: str = "〇〇町 DX推進室") -> str:
    """Signs a newcomer up through the form and returns the e-mail address; the app lands on the dashboard."""
    email = unique_email("newcomer")
    page.goto("/register")
    # By accessible name, as a screen reader announces the fields (the "*" of a required field is hidden).
    textbox(page, "メールアドレス").fill(email)
    textbox(page, "表示名").fill(name)
    textbox(page, "所属").fill(organisation)
    textbox(page, "パスワード").fill(PASSWORD)
    textbox(page, "パスワード(確認)").fill(PASSWORD)
    page.get_by_role("button", name="アカウントを作成").click()
    page.wait_for_url("**/dashboard")
    return email


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Signs in through the form; the app lands on the dashboard."""
    page.goto("/login")
    textbox(page, "メールアドレス").fill(email)
    textbox(page, "パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/dashboard")


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class QuizKey:
    """A lesson's quiz as written in the content pack, looked up by the prompt the page shows."""

    path: Path
    title: str
    pass_mark: int
    questions: dict

    @classmethod
    def for_lesson(cls, lesson_slug: str) -> "QuizKey":
        (path,) = COURSE_DIR.glob(f"*/[0-9][0-9]-{lesson_slug}.quiz.yaml")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(path, data["title"], data["pass_mark"], {normalise(q["prompt"]): q for q in data["questions"]})

    def question(self, prompt: str) -> dict:
        return self.questions[normalise(prompt)]

    @property
    def types(self) -> set[str]:
        return {q["type"] for q in self.questions.values()}


def correct_texts(question: dict) -> set[str]:
    return {normalise(c["text"]) for c in question["choices"] if isinstance(c, dict) and c.get("correct")}


def answer_quiz(page, key: QuizKey, right: bool) -> None:
    """Answers every question shown, all rightly or all wrongly, the way a person does with a mouse."""
    for fieldset in page.locator(".quiz-form fieldset").all():
        question = key.question(fieldset.locator(".quiz-prompt").inner_text())
        kind = question["type"]
        if kind in ("single", "multiple"):
            good = correct_texts(question)
            options = fieldset.locator(".quiz-option").all()
            wrong_done = False
            for option in options:
                is_good = normalise(option.locator("label").inner_text()) in good
                if right:
                    choose = is_good
                else:  # one wrong option only
                    choose = not is_good and not wrong_done
                    wrong_done = wrong_done or choose
                if choose:
                    option.locator("input").check()
        elif kind == "truefalse":
            value = question["answer"] if right else not question["answer"]
            fieldset.locator(f"input[value={'true' if value else 'false'}]").check()
        elif kind == "number":
            value = question["answer"] if right else question["answer"] + 1
            fieldset.locator("input[inputmode=decimal]").fill(str(value))
        elif kind == "order":
            items = question["items"] if right else list(reversed(question["items"]))
            for select, item in zip(fieldset.locator("select").all(), items, strict=True):
                select.select_option(label=item)
        else:
            raise AssertionError(f"unknown question type {kind}")
