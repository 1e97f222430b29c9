"""A newcomer's first hour, in a real browser: sign up, read a lesson, follow a statute link and come back, take
a quiz with every question type, fail, retake, pass, and see the dashboard change."""

import re

from playwright.sync_api import expect

from tests.e2e.support import QuizKey, answer_quiz, register

COURSE = "/courses/jichiho-hajimeno-ippo/"
LESSON_SLUG = "chiho-jichi-no-honshi"  # module 1, lesson 1: its quiz uses all five question types
ALL_TYPES = {"single", "multiple", "truefalse", "number", "order"}


def dashboard_state(page) -> dict:
    return {"course_percent": int(page.locator(".course-progress progress").first.get_attribute("value")),
            "scores": page.locator(".score-list").inner_text()}


def test_newcomer_reads_a_lesson_fails_and_passes_its_quiz(page, audit):
    key = QuizKey.for_lesson(LESSON_SLUG)
    assert key.types == ALL_TYPES, f"{key.path.name} no longer uses every question type: {key.types}"

    # The catalogue, then sign-up: first with nothing filled in (the errors are tied to their fields).
    page.goto("/")
    audit.check(page, "catalogue")
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="新規登録").click()
    audit.check(page, "register")
    page.get_by_role("button", name="アカウントを作成").click()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    assert "email-error" in page.locator("#email").get_attribute("aria-describedby").split()
    expect(page.locator("#email-error")).to_be_visible()
    assert "display_name-help" in page.locator("#display_name").get_attribute("aria-describedby").split()
    audit.check(page, "register-errors")
    register(page)
    expect(page.locator(".flash-success")).to_contain_text("ようこそ")
    audit.check(page, "dashboard-new")
    before = dashboard_state(page)
    assert before["course_percent"] == 0 and "まだ確認問題を受けていません" in before["scores"]

    # The course page, and its first lesson.
    page.locator(".course-progress h2 a").first.click()
    expect(page).to_have_url(re.compile(re.escape(COURSE) + "$"))
    audit.check(page, "course")
    page.locator(f"a[href$='/{LESSON_SLUG}']").first.click()
    lesson_url = page.url
    title = page.locator("h1").inner_text()
    expect(page.locator(".admonition.contrast")).to_be_visible()
    audit.check(page, "lesson")

    # A statute link in the text opens the article at its paragraph; Back returns to the lesson.
    cite = page.locator(".lesson-body a.cite").first
    href = cite.get_attribute("href")
    assert re.match(r"/statutes/[^/]+/[^/#]+", href), href
    cite.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    expect(page.locator(".statute-body")).to_be_visible()
    if "#" in href:
        expect(page.locator(href[href.index("#"):])).to_be_in_viewport()
    audit.check(page, "article")
    page.go_back()
    expect(page).to_have_url(lesson_url)
    expect(page.locator("h1")).to_have_text(title)

    page.get_by_role("button", name="読了にする").click()
    expect(page.locator("#lesson-actions")).to_contain_text("このレッスンは読了済みです。")

    # The quiz shows every question type.
    page.get_by_role("link", name=re.compile("^確認問題を受ける")).click()
    expect(page.locator("h1")).to_have_text(key.title)
    form = page.locator(".quiz-form")
    expect(form.locator("fieldset")).to_have_count(len(key.questions))
    for selector in ("input[type=radio]", "input[type=checkbox]", "input[inputmode=decimal]", "select"):
        assert form.locator(selector).count(), f"no {selector} on the quiz page"
    audit.check(page, "quiz")

    # An answer that cannot be read: nothing is recorded, the message is tied to its field.
    number = form.locator("input[inputmode=decimal]")
    number.fill("たくさん")
    page.get_by_role("button", name="解答を送信").click()
    summary = page.locator(".quiz-error-summary")
    expect(summary).to_be_visible()
    expect(number).to_have_attribute("aria-invalid", "true")
    error_id = number.get_attribute("aria-describedby").split()[0]
    expect(page.locator(f"#{error_id}")).to_contain_text("数")
    fieldset_id = number.locator("xpath=ancestor::fieldset").get_attribute("id")
    assert summary.locator(f"a[href='#{fieldset_id}']").count() == 1
    audit.check(page, "quiz-errors")

    # Every answer wrong: not passed.
    answer_quiz(page, key, right=False)
    page.get_by_role("button", name="解答を送信").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator(".quiz-score")).to_contain_text("まだ合格していません")
    expect(page.locator(".quiz-score-value")).to_have_text("0%")
    expect(page.locator(".quiz-review-item")).to_have_count(len(key.questions))
    audit.check(page, "result-failed")

    # Retake, every answer right: passed.
    page.get_by_role("button", name="もう一度受ける").click()
    expect(page).to_have_url(re.compile(r"/quizzes/\d+$"))
    expect(page.locator(".quiz-facts")).to_contain_text("0%")
    audit.check(page, "quiz-retake")
    answer_quiz(page, key, right=True)
    page.get_by_role("button", name="解答を送信").click()
    expect(page.locator(".quiz-score-value")).to_have_text("100%")
    expect(page.locator(".quiz-score")).to_contain_text("合格")
    expect(page.locator(".quiz-verdict-bad")).to_have_count(0)
    audit.check(page, "result-passed")

    page.get_by_role("link", name="これまでの受験履歴").click()
    expect(page.locator(".quiz-history-table tbody tr")).to_have_count(2)
    audit.check(page, "history")

    # The dashboard has moved: progress, the quiz score, the next lesson.
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="学習状況").click()
    audit.check(page, "dashboard-after")
    after = dashboard_state(page)
    assert after["course_percent"] > before["course_percent"]
    assert title in after["scores"] and "確認問題 最高 100%" in after["scores"]
    first_module = page.locator(".module-table tbody tr").first
    expect(first_module.locator("td").nth(0)).to_contain_text("1 / 5")
    expect(first_module.locator("td").nth(1)).to_contain_text("1 / 5")
    expect(page.locator(".next-up a.button")).not_to_have_text(title)
