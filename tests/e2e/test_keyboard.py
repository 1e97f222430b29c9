"""Keyboard only: a quiz answered and submitted with Tab, Space, the arrow keys and Enter, and every element that
takes focus on the way shows where the focus is."""

import re

from playwright.sync_api import expect

from tests.e2e.support import QuizKey, correct_texts, normalise, register

LESSON = "/courses/jichiho-hajimeno-ippo/hojin-no-kihon/chiho-jichi-no-honshi"
MAX_TABS = 200

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el), box = el.getBoundingClientRect();
  const fieldset = el.closest("fieldset");
  const group = el.name ? [...document.querySelectorAll(`[name="${el.name}"]`)] : [];
  return {
    tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", id: el.id,
    text: (el.innerText || el.value || "").trim().slice(0, 60),
    submit: el.matches(".quiz-form button[type=submit]"),
    skip: el.matches(".skip-link"),
    prompt: fieldset ? fieldset.querySelector(".quiz-prompt").textContent : null,
    labels: group.map(input => input.labels.length ? input.labels[0].textContent : ""),
    index: group.indexOf(el),
    outline: [style.outlineStyle, parseFloat(style.outlineWidth)], boxShadow: style.boxShadow,
    focusVisible: el.matches(":focus-visible"),
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight
             && box.right > 0 && box.left < innerWidth,
  };
}"""


def assert_focus_visible(focus: dict) -> None:
    style, width = focus["outline"]
    assert focus["focusVisible"], f"{focus['tag']}#{focus['id']} does not match :focus-visible"
    assert style != "none" and width >= 2, f"no visible outline on {focus}"
    assert focus["onScreen"], f"focused element is off screen: {focus}"


def test_a_quiz_can_be_completed_with_the_keyboard_alone(page, audit):
    key = QuizKey.for_lesson(LESSON.rsplit("/", 1)[1])
    register(page)
    page.goto(LESSON)
    quiz_link = page.get_by_role("link", name=re.compile("^確認問題を受ける"))
    page.goto(quiz_link.get_attribute("href"))  # from here on: the keyboard only

    # The first Tab reaches the skip link, which is then shown; Enter moves the focus to the main content.
    page.keyboard.press("Tab")
    focus = page.evaluate(FOCUSED)
    assert focus["skip"], focus
    assert_focus_visible(focus)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    answered: set[str] = set()
    selects: dict[str, int] = {}
    stops = 0
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUSED)
        assert focus is not None, "the focus fell back to the page body"
        assert_focus_visible(focus)
        stops += 1
        if focus["submit"]:
            break
        if not focus["prompt"]:
            continue  # a link or the navigation: pass over it
        question = key.question(focus["prompt"])
        kind = question["type"]
        if kind == "single" and focus["name"] not in answered:
            good = correct_texts(question)
            target = next(i for i, text in enumerate(focus["labels"]) if normalise(text) in good)
            press_to(page, focus["index"], target)
            answered.add(focus["name"])
        elif kind == "truefalse" and focus["name"] not in answered:
            target = 0 if question["answer"] else 1  # 正しい, then 誤り
            press_to(page, focus["index"], target)
            answered.add(focus["name"])
        elif kind == "multiple":
            if normalise(focus["labels"][focus["index"]]) in correct_texts(question):
                page.keyboard.press("Space")
            answered.add(focus["name"])
        elif kind == "number":
            page.keyboard.type(str(question["answer"]))
            answered.add(focus["name"])
        elif kind == "order":
            slot = selects.setdefault(focus["name"], 0)
            selects[focus["name"]] += 1
            options = page.evaluate("[...document.activeElement.options].map(o => o.textContent)")
            wanted = options.index(question["items"][slot])
            for _ in range(wanted):
                page.keyboard.press("ArrowDown")  # a closed list changes its value with the arrow keys
            assert page.evaluate("document.activeElement.selectedIndex") == wanted
            answered.add(focus["name"])
    else:
        raise AssertionError(f"the submit button was not reached in {MAX_TABS} Tab presses")

    assert len(answered) == len(key.questions), f"answered {len(answered)} of {len(key.questions)} by keyboard"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator(".quiz-score-value")).to_have_text("100%")
    audit.check(page, "keyboard-result")

    # On the result, the keyboard reaches the retake button, and it too shows its focus.
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUSED)
        assert_focus_visible(focus)
        if focus["text"] == "もう一度受ける":
            break
    else:
        raise AssertionError("the retake button cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/quizzes/\d+$"))


def press_to(page, current: int, target: int) -> None:
    """In a radio group entered with Tab (nothing chosen yet), Space chooses the focused option and each
    ArrowDown moves to, and chooses, the next one."""
    if target == current:
        page.keyboard.press("Space")
    for _ in range(target - current):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.checked"), "the arrow keys did not choose the option"
