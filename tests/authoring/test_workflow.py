"""Must show 1: a mentor creates a lesson with a quiz, previews it and publishes it; learners see only what is
published, and a published lesson being edited keeps serving its published version until the next publish."""

import re

from sqlalchemy import func, select

from curriculum.models import Module
from extensions import db
from lessons.models import Lesson, LessonRevision
from quizzes.models import Question, Quiz
from statutes.services import import_law_file
from tests.authoring.helpers import BODY, base_of, head, import_demo, lesson_form, question_form
from tests.conftest import JICHIHO_CURRENT, login
from tests.factories import make_course

LESSON_URL = "/courses/demo/keiyaku/{slug}"


def _mentor(app, users):
    client = app.test_client()
    login(client, "mentor@example.jp")
    return client


def _learner(app, users):
    client = app.test_client()
    login(client, "learner@example.jp")
    return client


def test_a_mentor_creates_previews_and_publishes_a_lesson_with_a_quiz(app, users, tmp_path):
    import_law_file(JICHIHO_CURRENT)
    import_demo(tmp_path)
    module = db.session.scalar(select(Module).where(Module.slug == "keiyaku"))
    mentor, learner = _mentor(app, users), _learner(app, users)

    # The workspace lists the course, the module and its lesson with its state.
    page = mentor.get("/authoring/").get_data(as_text=True)
    assert "デモ講座" in page and "契約は一般競争入札が原則" in page and "公開中" in page

    # Preview: rendered by the lesson pipeline, citation problems shown, nothing saved.
    form = lesson_form(slug="zuii-keiyaku", title="随意契約の要件", action="preview",
                       body=BODY + "\n誤った引用 [[自治法999条]]。\n")
    response = mentor.post(f"/authoring/modules/{module.id}/lessons/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<a class="cite" href="/statutes/322AC0000000067/234#p1"' in html
    assert '<div class="admonition contrast">' in html
    assert "地方自治法第999条は現行の条文にありません" in html and "8行目" in html
    assert db.session.scalar(select(func.count(Lesson.id))) == 1

    # Saving with the broken citation is refused, the problem shown next to the body field.
    form["action"] = "save"
    response = mentor.post(f"/authoring/modules/{module.id}/lessons/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="body-error"' in html and "地方自治法第999条は現行の条文にありません" in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(func.count(Lesson.id))) == 1

    # Fixed, it is created as a draft: learners cannot open it.
    form["body"] = BODY
    response = mentor.post(f"/authoring/modules/{module.id}/lessons/new", data=form)
    assert response.status_code == 302
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "zuii-keiyaku"))
    assert lesson.status == "draft" and lesson.position == 2 and "一般競争入札" in lesson.html
    assert learner.get(LESSON_URL.format(slug="zuii-keiyaku")).status_code == 404
    assert "随意契約の要件" not in learner.get("/courses/demo/").get_data(as_text=True)

    # A quiz with one question of each of the five types.
    for number, qtype in enumerate(("single", "multiple", "truefalse", "number", "order"), start=1):
        page = mentor.get(f"/authoring/lessons/{lesson.id}/quiz/new/{qtype}").get_data(as_text=True)
        response = mentor.post(f"/authoring/lessons/{lesson.id}/quiz/new/{qtype}",
                               data={**question_form(qtype, f"q{number}"), "base_revision": base_of(page)})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    quiz = db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))
    assert quiz.title == "確認問題:随意契約の要件" and quiz.pass_mark == 80
    questions = db.session.scalars(select(Question).where(Question.quiz_id == quiz.id)
                                   .order_by(Question.position)).all()
    assert [q.type for q in questions] == ["single", "multiple", "truefalse", "number", "order"]
    assert questions[1].data["choices"][2] == {"text": "随意契約", "correct": False, "feedback": "競争ではありません。",
                                               "feedback_html": "<p>競争ではありません。</p>"}
    assert questions[3].data == {"answer": 4, "unit": "つ"}
    assert questions[4].data == {"items": ["公告", "入札", "落札者の決定", "契約の締結"]}
    assert db.session.scalar(select(func.count(LessonRevision.id)).where(LessonRevision.lesson_id == lesson.id)) == 6

    # The author previews it as a learner would see it, answer keys included.
    preview = mentor.get(f"/authoring/lessons/{lesson.id}/preview").get_data(as_text=True)
    assert "随意契約の要件" in preview and "契約の締結" in preview and '<a class="cite"' in preview

    # Publish: learners see the lesson and can take the quiz.
    page = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    response = mentor.post(f"/authoring/lessons/{lesson.id}/publish", data={"base_revision": base_of(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).status == "published"
    lesson_page = learner.get(LESSON_URL.format(slug="zuii-keiyaku")).get_data(as_text=True)
    assert "随意契約の要件" in lesson_page and f'href="/quizzes/{quiz.id}"' in lesson_page
    quiz_page = learner.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert quiz_page.count("<fieldset") == 5 and "契約の締結" in quiz_page


def _queries(count_queries, client, url: str) -> tuple[list, str]:
    db.session.expire_all()  # the test's session is shared by its requests: make each one load what it needs
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements, response.get_data(as_text=True)


def test_a_published_lesson_keeps_serving_its_published_version_while_edited(app, users, tmp_path, count_queries):
    lesson = import_demo(tmp_path)
    mentor, learner = _mentor(app, users), _learner(app, users)
    url = LESSON_URL.format(slug="gensoku")
    before, _html = _queries(count_queries, learner, url)

    page = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    response = mentor.post(f"/authoring/lessons/{lesson.id}",
                           data=lesson_form(base_of(page), title="改訂版のタイトル", body=BODY + "\n改訂した段落。\n"))
    assert response.status_code == 302
    # The draft is saved; learners still see the published text, with the same number of queries.
    after, html = _queries(count_queries, learner, url)
    assert "改訂" not in html and "契約は一般競争入札が原則" in html
    # A draft changes nothing learners see, so what the lesson page keeps stays valid: the user and the lesson.
    assert len(before) == 4 and len(after) == 2
    editor = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    assert "公開中(未公開の変更あり)" in editor and "改訂版のタイトル" in editor

    # More revisions do not change the lesson page's queries either.
    for n in range(3):
        page = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
        mentor.post(f"/authoring/lessons/{lesson.id}", data=lesson_form(base_of(page), body=BODY + f"\n段落{n}。\n"))
    many, _html = _queries(count_queries, learner, url)
    assert len(many) == len(after)

    # Publishing shows the newest revision.
    page = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    assert mentor.post(f"/authoring/lessons/{lesson.id}/publish",
                       data={"base_revision": base_of(page)}).status_code == 302
    published, html = _queries(count_queries, learner, url)
    assert "段落2。" in html and "契約は一般競争入札が原則" in html
    assert head(lesson.id).published_at is not None
    assert len(published) == 4  # the publication changed the course's revision: its citations are read afresh


def test_lessons_made_before_revisions_get_their_history_on_the_first_save(app, users):
    make_course(modules=1, lessons=2)
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "l1"))
    mentor = _mentor(app, users)
    page = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    assert base_of(page) == "" and "本文" in page
    assert mentor.post(f"/authoring/lessons/{lesson.id}",
                       data=lesson_form("", title="新しい題", body="新しい本文")).status_code == 302
    revisions = db.session.scalars(select(LessonRevision).where(LessonRevision.lesson_id == lesson.id)
                                   .order_by(LessonRevision.number)).all()
    assert [(r.number, r.body, r.published_at is not None) for r in revisions] == [
        (1, "本文", True), (2, "新しい本文", False)]
    assert revisions[0].quiz["questions"][0] == {"key": "q1", "type": "truefalse", "prompt": "問1", "answer": True,
                                                 "explanation": "<p>解説</p>", "difficulty": 1, "tags": []}


def test_modules_and_lessons_are_created_reordered_and_archived(app, users, tmp_path):
    lesson = import_demo(tmp_path)
    course_id = lesson.module.course_id
    mentor, learner = _mentor(app, users), _learner(app, users)
    response = mentor.post(f"/authoring/courses/{course_id}/modules/new",
                           data={"slug": "zaimu", "title": "財務", "summary": "お金の流れ",
                                 "objectives": "予算を説明できる"})
    assert response.status_code == 302
    module = db.session.scalar(select(Module).where(Module.slug == "zaimu"))
    assert (module.position, module.objectives) == (2, ["予算を説明できる"])
    taken = mentor.post(f"/authoring/courses/{course_id}/modules/new", data={"slug": "zaimu", "title": "again"})
    assert taken.status_code == 422 and "既に使われています" in taken.get_data(as_text=True)
    bad = mentor.post(f"/authoring/courses/{course_id}/modules/new", data={"slug": "財務", "title": "x"})
    assert bad.status_code == 422

    assert mentor.post(f"/authoring/modules/{module.id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [m.slug for m in db.session.scalars(select(Module).order_by(Module.position))] == ["zaimu", "keiyaku"]
    assert mentor.post(f"/authoring/modules/{module.id}", data={
        "title": "財務会計", "summary": "", "objectives": ""}).status_code == 302
    assert db.session.get(Module, module.id).title == "財務会計"

    # Archive the published lesson: learners no longer reach it; restore brings it back.
    assert mentor.post(f"/authoring/lessons/{lesson.id}/archive", data={"archived": "1"}).status_code == 302
    assert learner.get(LESSON_URL.format(slug="gensoku")).status_code == 404
    assert mentor.post(f"/authoring/lessons/{lesson.id}/archive", data={"archived": "0"}).status_code == 302
    assert learner.get(LESSON_URL.format(slug="gensoku")).status_code == 200
    assert mentor.post(f"/authoring/modules/{module.id}/archive", data={"archived": "1"}).status_code == 302
    assert db.session.get(Module, module.id).archived
    page = mentor.get("/authoring/").get_data(as_text=True)
    assert re.search(r"財務会計</span> <span class=\"badge\">アーカイブ済み", page)


def test_a_required_module_cannot_be_archived_nor_overtaken(app, users):
    make_course(modules=2, lessons=1)
    first, second = db.session.scalars(select(Module).order_by(Module.position)).all()
    second.requires = ["m1"]
    db.session.commit()
    mentor = _mentor(app, users)
    mentor.post(f"/authoring/modules/{first.id}/archive", data={"archived": "1"})
    mentor.post(f"/authoring/modules/{second.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert not db.session.get(Module, first.id).archived
    assert (db.session.get(Module, first.id).position, db.session.get(Module, second.id).position) == (1, 2)
