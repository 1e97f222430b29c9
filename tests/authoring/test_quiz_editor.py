"""The quiz editor: five types, errors next to their fields by the content pack's own rules, reorder and
remove; questions already answered keep their history, and regrading is explicit."""

import re

from sqlalchemy import select

from contentpack.reader import read_content
from extensions import db
from lessons.models import LessonRevision
from quizzes.models import Attempt, Question, Response
from tests.authoring.helpers import base_of, head, import_demo, question_form, single_question
from tests.conftest import login
from tests.quizzes.factories import answer_form, open_attempt


def _mentor(app):
    client = app.test_client()
    login(client, "mentor@example.jp")
    return client


def _new(client, lesson_id, qtype, form):
    page = client.get(f"/authoring/lessons/{lesson_id}/quiz/new/{qtype}").get_data(as_text=True)
    return client.post(f"/authoring/lessons/{lesson_id}/quiz/new/{qtype}",
                       data={**form, "base_revision": base_of(page)})


def _error_of(html: str, field_id: str) -> str:
    match = re.search(rf'<ul class="errors" id="{re.escape(field_id)}-error">(.*?)</ul>', html, re.S)
    assert match, f"no error under {field_id}"
    return match.group(1)


def test_errors_are_shown_next_to_the_field_they_belong_to(app, users, tmp_path):
    lesson = import_demo(tmp_path)
    mentor = _mentor(app)
    before = head(lesson.id).number

    no_correct = _new(mentor, lesson.id, "single", single_question("q-new", **{"choices-0-correct": ""}))
    html = no_correct.get_data(as_text=True)
    assert no_correct.status_code == 422
    assert "正解(correct: true)がありません" in html and 'id="choices-error"' in html
    assert 'aria-describedby="choices-error"' in html

    duplicate = _new(mentor, lesson.id, "single", single_question("q-new", **{"choices-1-text": "一般競争入札"}))
    html = duplicate.get_data(as_text=True)
    assert "同じ選択肢が2回あります" in _error_of(html, "choices-1-text")

    bad_key = _new(mentor, lesson.id, "single", single_question("principle"))  # the demo quiz has this key
    assert "問題キー「principle」が重複しています" in _error_of(bad_key.get_data(as_text=True), "key")
    spaced = _new(mentor, lesson.id, "single", single_question("has space"))
    assert "キーは英数字" in _error_of(spaced.get_data(as_text=True), "key")

    citation = _new(mentor, lesson.id, "single", single_question(explanation="根拠 [[民法1条]]"))
    assert "[[民法1条]]" in _error_of(citation.get_data(as_text=True), "explanation")

    no_answer = _new(mentor, lesson.id, "truefalse", question_form("truefalse", "tf", answer=""))
    assert "正解(true か false)がありません" in _error_of(no_answer.get_data(as_text=True), "answer")
    not_number = _new(mentor, lesson.id, "number", question_form("number", "n", number="たくさん"))
    assert "正解の数値がありません" in _error_of(not_number.get_data(as_text=True), "number")
    infinite = _new(mentor, lesson.id, "number", question_form("number", "n", number="Infinity"))
    assert infinite.status_code == 422
    one_item = _new(mentor, lesson.id, "order", question_form("order", "o", items="一つだけ"))
    assert "2つ以上" in _error_of(one_item.get_data(as_text=True), "items")
    twice = _new(mentor, lesson.id, "order", question_form("order", "o", items="公告\n公告\n入札"))
    assert "同じ項目が2回あります" in _error_of(twice.get_data(as_text=True), "items")
    empty = _new(mentor, lesson.id, "multiple", {"key": "m", "prompt": "", "explanation": "", "difficulty": "1",
                                                 "choices-0-text": "一つ", "choices-0-correct": "y"})
    html = empty.get_data(as_text=True)
    assert "必須です" in _error_of(html, "prompt") and "選択肢を2つ以上書きます" in html

    assert head(lesson.id).number == before  # nothing was saved
    # What was typed is kept in the form.
    assert 'value="一般競争入札"' in duplicate.get_data(as_text=True)


def test_the_browser_and_the_files_follow_the_same_rules(app):
    """The editor's checks are the reader's: the same question gives the same message either way."""
    quiz = {"title": "確認", "pass_mark": 80, "questions": [
        {"key": "a", "type": "single", "prompt": "問", "choices": [{"text": "甲"}, {"text": "乙"}],
         "explanation": "解説", "difficulty": 1}]}
    _lesson, problems = read_content({"title": "題", "minutes": 5}, "本文", quiz)
    assert [(p.field, p.message) for p in problems] == [("questions[a].choices", "正解(correct: true)がありません")]
    _lesson, problems = read_content({"title": "", "minutes": 500}, "", None)
    assert {(p.field, p.message) for p in problems} == {
        ("title", "必須です"), ("minutes", "1〜120 の整数が必要です"), ("body", "本文がありません")}


def test_questions_are_edited_reordered_and_removed_as_revisions(app, users, tmp_path):
    lesson = import_demo(tmp_path)
    mentor = _mentor(app)
    page = mentor.get(f"/authoring/lessons/{lesson.id}/quiz/questions/principle").get_data(as_text=True)
    assert 'value="一般競争入札"' in page and 'id="choices-0-correct"' in page and "checked" in page
    form = single_question("principle", prompt="改めた問い", base_revision=base_of(page))
    assert mentor.post(f"/authoring/lessons/{lesson.id}/quiz/questions/principle", data=form).status_code == 302
    assert head(lesson.id).quiz["questions"][0]["prompt"] == "改めた問い"

    def post(url, **data):
        page = mentor.get(f"/authoring/lessons/{lesson.id}/quiz").get_data(as_text=True)
        return mentor.post(url, data={"base_revision": base_of(page), **data})

    assert post(f"/authoring/lessons/{lesson.id}/quiz/questions/principle/move", direction="down").status_code == 302
    assert [q["key"] for q in head(lesson.id).quiz["questions"]] == ["freely", "principle"]
    assert post(f"/authoring/lessons/{lesson.id}/quiz", title="新しい題", pass_mark="70").status_code == 302
    assert (head(lesson.id).quiz["title"], head(lesson.id).quiz["pass_mark"]) == ("新しい題", 70)
    bad = post(f"/authoring/lessons/{lesson.id}/quiz", title="", pass_mark="170")
    assert bad.status_code == 422 and "0〜100 の整数が必要です" in _error_of(bad.get_data(as_text=True), "pass_mark")
    assert post(f"/authoring/lessons/{lesson.id}/quiz/questions/freely/remove").status_code == 302
    assert [q["key"] for q in head(lesson.id).quiz["questions"]] == ["principle"]
    last = post(f"/authoring/lessons/{lesson.id}/quiz/questions/principle/remove")
    assert last.status_code == 302 and head(lesson.id).quiz is not None  # a quiz keeps one question
    assert post(f"/authoring/lessons/{lesson.id}/quiz/remove").status_code == 302
    assert head(lesson.id).quiz is None
    # None of this reached learners: the published quiz still has both questions.
    live = db.session.scalars(select(Question).where(Question.archived.is_(False))).all()
    assert sorted(q.key for q in live) == ["freely", "principle"]
    page = mentor.get(f"/authoring/lessons/{lesson.id}/quiz").get_data(as_text=True)
    assert "まだ確認問題がありません" in page
    assert db.session.query(LessonRevision).count() == 6  # import, edit, move, settings, remove, remove quiz


def _answer(app, learner_id, quiz_id, right):
    """The learner answers the published quiz (rightly or wrongly) and submits."""
    client = app.test_client()
    login(client, "learner@example.jp")
    client.get(f"/quizzes/{quiz_id}")
    attempt = open_attempt(learner_id, quiz_id)
    questions = db.session.scalars(select(Question).where(Question.quiz_id == quiz_id,
                                                          Question.archived.is_(False))).all()
    assert client.post(f"/quizzes/{quiz_id}", data=answer_form(attempt, questions, right=right)).status_code == 302
    return attempt.id


def test_answered_questions_keep_their_history_and_regrading_is_explicit(app, users, tmp_path):
    lesson = import_demo(tmp_path)
    question = db.session.scalar(select(Question).where(Question.key == "freely"))  # truefalse, answer false
    quiz_id, question_id = question.quiz_id, question.id
    attempt_id = _answer(app, users["learner"].id, quiz_id, right=True)
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.score, attempt.passed) == (100, True)

    mentor = _mentor(app)
    page = mentor.get(f"/authoring/lessons/{lesson.id}/quiz/questions/freely").get_data(as_text=True)
    assert "この問題にはすでに解答があります" in page and "1人が延べ1回解答しています" in page
    assert "過去の結果は変わりません" in page and f"/authoring/questions/{question_id}/regrade" in page

    # The author changes the answer key (true instead of false) and publishes.
    form = question_form("truefalse", "freely", prompt="自由に随意契約できる。", answer="true",
                         explanation="(改めた解説)", base_revision=base_of(page))
    assert mentor.post(f"/authoring/lessons/{lesson.id}/quiz/questions/freely", data=form).status_code == 302
    quiz_page = mentor.get(f"/authoring/lessons/{lesson.id}/quiz").get_data(as_text=True)
    assert "正解が公開中のものと異なります" in quiz_page
    page = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    assert mentor.post(f"/authoring/lessons/{lesson.id}/publish",
                       data={"base_revision": base_of(page)}).status_code == 302

    # Publishing changed nothing in the past: the response keeps the question as answered, and its score.
    db.session.expire_all()
    response = db.session.scalar(select(Response).where(Response.question_id == question_id))
    assert response.correct and response.question_snapshot["data"] == {"answer": False}
    assert db.session.get(Attempt, attempt_id).score == 100
    assert db.session.get(Question, question_id).data == {"answer": True}

    # Regrading is explicit: first what would change, then only on request.
    preview = mentor.get(f"/authoring/questions/{question_id}/regrade").get_data(as_text=True)
    assert re.search(r"不正解に変わる解答</dt><dd>1<", preview)
    assert re.search(r"合否が変わる受験</dt><dd>1<", preview)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).score == 100  # looking changed nothing
    assert mentor.post(f"/authoring/questions/{question_id}/regrade").status_code == 302
    db.session.expire_all()
    response = db.session.scalar(select(Response).where(Response.question_id == question_id))
    attempt = db.session.get(Attempt, attempt_id)
    assert not response.correct and response.question_snapshot["data"] == {"answer": True}
    assert response.question_snapshot["regraded"][0]["data"] == {"answer": False}
    assert response.question_snapshot["regraded"][0]["by"] == users["mentor"].id
    assert response.question_snapshot["prompt"] == "自由に随意契約できる。"  # still as answered
    assert (attempt.correct_count, attempt.score, attempt.passed) == (1, 50, False)
    again = mentor.get(f"/authoring/questions/{question_id}/regrade").get_data(as_text=True)
    assert "採点し直すものはありません" in again


def test_regrading_maps_answers_by_text_when_choices_were_reordered(app):
    from authoring.services import rekey

    old = {"type": "single", "data": {"choices": [
        {"text": "甲", "correct": True, "feedback": ""}, {"text": "乙", "correct": False, "feedback": ""},
        {"text": "丙", "correct": False, "feedback": ""}]}}
    new = {"choices": [{"text": "丙", "correct": False, "feedback": ""}, {"text": "乙", "correct": True,
                                                                          "feedback": ""},
                       {"text": "甲", "correct": False, "feedback": ""}]}
    data, answer, order, correct = rekey(old, 1, [2, 0, 1], "single", new)  # chose 乙
    assert (answer, order, correct) == (1, [0, 2, 1], True)
    assert rekey(old, 0, [0, 1, 2], "single", new)[3] is False  # chose 甲, no longer right
    changed_text = {"choices": [dict(c, text=c["text"] + "!") for c in new["choices"]]}
    assert rekey(old, 1, [0, 1, 2], "single", changed_text) is None  # cannot be mapped: left alone
    order_old = {"type": "order", "data": {"items": ["A", "B", "C"]}}
    data, answer, _order, correct = rekey(order_old, [1, 0, 2], [2, 1, 0], "order", {"items": ["B", "A", "C"]})
    assert (answer, correct) == ([0, 1, 2], True)
    assert rekey({"type": "number", "data": {"answer": 5}}, "6", None, "number", {"answer": 6})[3] is True
    assert rekey({"type": "number", "data": {"answer": 5}}, "6", None, "truefalse", {"answer": True}) is None
