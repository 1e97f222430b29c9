"""Authoring in a real browser (issue 5, must show 6): a mentor edits a lesson, previews it, saves it — learners
still see the published text — publishes it, and a learner sees the change. Every authoring page visited is
audited. The lesson is the last of module 12, which no other journey reads closely."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.support import register, sign_in, textbox

LESSON_URL = "/courses/jichiho-hajimeno-ippo/kinnen-no-kaisei/reiki-no-tsuizui"
LESSON_TITLE = "2025〜2026年の改正と例規の点検 — 拘禁刑・少額随契の額・条番号の繰下げ"
ADDED = "ブラウザの教材作成画面で書き加えた段落です。"


def test_a_mentor_edits_previews_and_publishes_and_a_learner_sees_the_change(make_context, audit):
    learner = make_context().new_page()
    register(learner)
    learner.goto(LESSON_URL)
    expect(learner.locator("h1")).to_have_text(LESSON_TITLE)
    expect(learner.locator(".lesson-body")).not_to_contain_text(ADDED)

    # The mentor (the administrator may do what a mentor does) opens the workspace and the lesson.
    mentor = make_context().new_page()
    sign_in(mentor, ADMIN["email"], ADMIN["password"])
    mentor.get_by_role("navigation", name="メイン").get_by_role("link", name="教材作成").click()
    expect(mentor.locator("h1")).to_have_text("教材作成ワークスペース")
    audit.check(mentor, "authoring-workspace")
    mentor.get_by_role("link", name=LESSON_TITLE, exact=True).click()
    expect(mentor.locator("h1")).to_contain_text("レッスンを編集")
    audit.check(mentor, "authoring-editor")

    # Edit, then Preview (a submit button: no JavaScript needed), rendered by the lesson pipeline.
    body = mentor.get_by_label("本文(Markdown)")
    body.fill(body.input_value() + f"\n\n{ADDED} [[自治法2条14項]]\n")
    mentor.get_by_role("button", name="プレビュー", exact=True).click()
    preview = mentor.locator("#preview-output .lesson-body")
    expect(preview).to_contain_text(ADDED)
    expect(preview.locator("a.cite", has_text="地方自治法第2条第14項")).to_have_count(1)
    expect(mentor.get_by_label("本文(Markdown)")).to_have_value(re.compile(re.escape(ADDED)))
    audit.check(mentor, "authoring-preview")

    # Save: a new revision; learners still see the published version.
    textbox(mentor, "この版のメモ").fill("段落を追加")
    mentor.get_by_role("button", name="新しい版として保存").click()
    expect(mentor.locator(".flash-success")).to_contain_text("として保存しました")
    expect(mentor.locator(".authoring-status")).to_contain_text("公開中(未公開の変更あり)")
    learner.reload()
    expect(learner.locator(".lesson-body")).not_to_contain_text(ADDED)

    # The history shows the revision; the diff shows the added paragraph.
    mentor.get_by_role("link", name="受講者への表示で変わる点").click()
    expect(mentor.locator("ins", has_text=ADDED)).to_have_count(1)
    audit.check(mentor, "authoring-diff")
    mentor.go_back()

    # Publish: the learner sees the change.
    mentor.get_by_role("button", name="最新の版を公開").click()
    expect(mentor.locator(".flash-success")).to_contain_text("公開しました")
    learner.reload()
    expect(learner.locator(".lesson-body")).to_contain_text(ADDED)
    expect(learner.locator(".lesson-body a.cite", has_text="地方自治法第2条第14項")).to_have_count(1)
    audit.check(learner, "lesson-after-publish")

    # The other authoring pages a mentor works with pass the same audit.
    mentor.get_by_role("link", name="履歴", exact=True).click()
    expect(mentor.locator("table.authoring-history tbody tr")).to_have_count(2)
    audit.check(mentor, "authoring-history")
    mentor.go_back()
    mentor.get_by_role("link", name="確認問題の編集").click()
    audit.check(mentor, "authoring-quiz")
    mentor.locator(".authoring-question").first.get_by_role("link", name=re.compile("^編集")).click()
    expect(mentor.locator("h1")).to_contain_text("を編集")
    audit.check(mentor, "authoring-question")
    mentor.get_by_role("navigation", name="教材作成").get_by_role("link", name="要見直し").click()
    audit.check(mentor, "authoring-reviews")
