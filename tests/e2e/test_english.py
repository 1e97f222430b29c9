"""The English interface: the footer's language switch changes the interface, not the course (lessons, quizzes
and statutes stay Japanese, marked lang="ja"); the choice is kept with the account; dates follow the locale."""

import re

from playwright.sync_api import expect

from tests.e2e.support import PASSWORD, QuizKey, answer_quiz, register, textbox

LESSON = "/courses/jichiho-hajimeno-ippo/hojin-no-kihon/dantai-no-shurui"
JICHIHO_TOC = "/statutes/322AC0000000067/"
JA_DATETIME = re.compile(r"\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}")  # 2026/11/26 20:09
EN_DATETIME = re.compile(r"\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}\s?[AP]M")  # 11/26/26, 8:09 PM
JA_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日施行の条文")
EN_DATE = re.compile(r"Text in force from [A-Z][a-z]+ \d{1,2}, \d{4}")


def main_nav(page):
    return page.get_by_role("navigation", name=re.compile("^(メイン|Main)$"))


def test_english_interface_keeps_the_course_japanese_and_is_remembered(make_context, audit):
    page = make_context().new_page()
    email = register(page)
    page.goto(JICHIHO_TOC)
    expect(page.locator(".statute-version")).to_contain_text(JA_DATE)
    page.goto(LESSON)
    title = page.locator("h1").inner_text()
    body = page.locator(".lesson-body p").first.inner_text()
    expect(main_nav(page).get_by_role("link", name="学習状況")).to_be_visible()

    # Switch in the footer: pick the language, then press 変更 (Change).
    page.get_by_role("combobox", name="言語").select_option("en")
    page.get_by_role("button", name="変更").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(re.escape(LESSON) + "$"))
    nav = main_nav(page)
    for link in ("Courses", "Glossary", "Statutes", "My progress"):
        expect(nav.get_by_role("link", name=link)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as read")).to_be_visible()
    expect(page.get_by_role("combobox", name="Language")).to_have_value("en")
    # The course itself is unchanged, and marked as Japanese for screen readers and hyphenation.
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("h1")).to_have_attribute("lang", "ja")
    expect(page.locator(".lesson-body p").first).to_have_text(body)
    expect(page.locator(".lesson-body")).to_have_attribute("lang", "ja")
    audit.check(page, "lesson-en", lang="en")

    # The quiz in English: interface words change, questions do not; the result's date is written the English way.
    key = QuizKey.for_lesson(LESSON.rsplit("/", 1)[1])
    page.get_by_role("link", name=re.compile("^Take the quiz")).click()
    expect(page.locator("h1")).to_have_text(key.title)
    expect(page.locator(".quiz-qnum").first).to_have_text("Question 1")
    prompts = page.locator(".quiz-prompt")
    expect(prompts.first).to_have_attribute("lang", "ja")
    assert key.question(prompts.first.inner_text())  # the Japanese prompt, as written in the content pack
    audit.check(page, "quiz-en", lang="en")
    answer_quiz(page, key, right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".quiz-score")).to_contain_text("Passed")
    expect(page.locator(".quiz-score")).to_contain_text(EN_DATETIME)
    expect(page.locator(".quiz-score")).not_to_contain_text(JA_DATETIME)
    audit.check(page, "result-en", lang="en")

    main_nav(page).get_by_role("link", name="My progress").click()
    expect(page.locator("h1")).to_have_text("My progress")
    expect(page.locator(".score-list")).to_contain_text("1 attempt")
    audit.check(page, "dashboard-en", lang="en")
    page.goto(JICHIHO_TOC)
    expect(page.locator(".statute-version")).to_contain_text(EN_DATE)
    audit.check(page, "statute-toc-en", lang="en")

    # Another browser: signing in brings the account's language back.
    other = make_context().new_page()
    other.goto("/login")
    expect(other.locator("html")).to_have_attribute("lang", "ja")
    textbox(other, "メールアドレス").fill(email)
    textbox(other, "パスワード").fill(PASSWORD)
    other.get_by_role("button", name="ログイン").click()
    expect(other).to_have_url(re.compile("/dashboard$"))
    expect(other.locator("html")).to_have_attribute("lang", "en")
    expect(other.locator("h1")).to_have_text("My progress")

    # And back to Japanese, from the keyboard: choosing with the arrow keys does not reload the page by itself.
    select = other.get_by_role("combobox", name="Language")
    select.focus()
    other.keyboard.press("ArrowUp")
    expect(select).to_have_value("ja")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    other.keyboard.press("Tab")
    other.keyboard.press("Enter")
    expect(other.locator("html")).to_have_attribute("lang", "ja")
    expect(other.locator("h1")).to_have_text("学習状況")
    other.get_by_role("link", name=re.compile("^1回受験$")).click()
    expect(other.locator(".quiz-history-table tbody td").first).to_have_text(JA_DATETIME)
