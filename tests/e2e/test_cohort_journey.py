"""A cohort (学ぶ会) in a real browser: an administrator creates a cohort and a meeting; a newcomer opens the
invite link, registers, joins, sees what to finish before the meeting and takes a quiz; the mentor sees the
result on the review page, in the deck, and in the downloaded CSV. Every cohort page is audited."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.support import PASSWORD, QuizKey, answer_quiz, sign_in, textbox, unique_email

LESSON_SLUG = "chiho-jichi-no-honshi"  # module 1, lesson 1


def test_a_learner_joins_by_invite_and_the_mentor_reviews(make_context, audit, tmp_path):
    mentor = make_context().new_page()
    sign_in(mentor, ADMIN["email"], ADMIN["password"])
    mentor.get_by_role("navigation", name="メイン").get_by_role("link", name="学ぶ会").click()
    audit.check(mentor, "cohorts-index")
    mentor.get_by_role("link", name="学ぶ会を作る").click()
    textbox(mentor, "名前").fill("2027年4月 入庁 DX人材")
    textbox(mentor, "所属").fill("〇〇市 デジタル推進課")
    textbox(mentor, "開始日").fill("2027-04-01")
    audit.check(mentor, "cohort-new")
    mentor.get_by_role("button", name="学ぶ会を作成").click()
    expect(mentor.locator(".flash-success")).to_contain_text("学ぶ会を作成しました")
    invite = mentor.locator(".invite-link").inner_text().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/join/[A-Z0-9]{10}", invite), invite
    # A meeting in the future, for module 1.
    mentor.locator("#sessions summary").click()
    textbox(mentor, "開催日").fill("2099-04-20")
    mentor.locator(".checkbox-list input").first.check()
    textbox(mentor, "メモ").fill("第1回: 301会議室")
    mentor.get_by_role("button", name="この開催回を追加").click()
    expect(mentor.locator("#sessions table")).to_contain_text("第1回: 301会議室")
    audit.check(mentor, "cohort-detail")
    cohort_url = mentor.url.split("#")[0]

    # The newcomer: invite link → register → in the cohort.
    learner = make_context().new_page()
    learner.goto(invite)
    expect(learner.locator("h1")).to_have_text("学ぶ会への招待")
    audit.check(learner, "cohort-invite")
    learner.locator("main").get_by_role("link", name="新規登録").click()
    textbox(learner, "メールアドレス").fill(unique_email("cohort"))
    textbox(learner, "表示名").fill("新人 太郎")
    textbox(learner, "パスワード").fill(PASSWORD)
    textbox(learner, "パスワード(確認)").fill(PASSWORD)
    learner.get_by_role("button", name="アカウントを作成").click()
    learner.wait_for_url(re.compile(r"/cohorts/\d+$"))
    expect(learner.locator(".flash-success").first).to_be_visible()
    expect(learner.locator("#next-heading")).to_have_text("次回までに")
    expect(learner.locator("main")).to_contain_text("第1回: 301会議室")
    audit.check(learner, "cohort-learner")

    # The learner takes the first quiz of module 1, wrongly.
    key = QuizKey.for_lesson(LESSON_SLUG)
    learner.locator("main").get_by_role("link", name=re.compile("地方自治の本旨")).first.click()
    learner.get_by_role("link", name=re.compile("^確認問題を受ける")).click()
    answer_quiz(learner, key, right=False)
    learner.get_by_role("button", name="解答を送信").click()
    expect(learner.locator(".quiz-score")).to_be_visible()

    # The mentor's review shows the newcomer, with a score in module 1 and the question statistics.
    mentor.goto(cohort_url)
    mentor.get_by_role("link", name="進捗を確認する").click()
    matrix = mentor.locator("table.matrix")
    expect(matrix).to_contain_text("新人 太郎")
    expect(matrix.locator("tbody tr").first.locator("td").nth(3)).to_contain_text("· 0%")  # module 1
    expect(mentor.locator("#questions table tbody tr")).to_have_count(len(key.questions))
    expect(mentor.locator("svg[role=img]")).to_have_count(2)
    audit.check(mentor, "cohort-review")
    matrix.locator("thead a").nth(1).click()  # sort by progress
    expect(mentor).to_have_url(re.compile(r"sort=progress"))
    expect(matrix.locator("th[aria-sort]")).to_have_count(1)
    with mentor.expect_download() as download:
        mentor.get_by_role("link", name="一覧表をダウンロード (CSV)").click()
    path = tmp_path / "matrix.csv"
    download.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "新人 太郎" in data.decode("utf-8-sig")
    mentor.get_by_role("link", name="次回の振り返り資料").first.click()
    audit.check(mentor, "cohort-deck")
