"""Must show 5: whatever a mentor types into any authoring field is inert wherever it is shown — in the
workspace, the editors, previews, history and diffs, and on the learners' lesson, quiz and result pages."""

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from curriculum.models import Module
from extensions import db
from lessons.models import Lesson
from lessons.services import lesson_revisions
from quizzes.models import Question, Quiz
from tests.authoring.helpers import base_of, import_demo
from tests.conftest import login
from tests.quizzes.factories import answer_form, open_attempt

PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '<a href="javascript:alert(1)">link</a>',
    "[click](javascript:alert(1))",
    '<iframe src="https://evil.example/"></iframe>',
    '<div style="background:url(javascript:alert(1))" onmouseover="alert(1)">hover</div>',
    "<details open ontoggle=alert(1)>",
    '<form action="https://evil.example/"><button formaction="javascript:alert(1)">go</button></form>',
    "<style>body{display:none}</style>",
    "[[自治法<script>alert(1)</script>]]",
    "{{ config }}{% raw %}",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "</textarea><script>alert(1)</script>",
]
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href")


class _Inspector(HTMLParser):
    """Collects everything on a page that could run script or load something the site did not put there."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in URL_ATTRIBUTES and value and value.strip().lower().startswith(
                    ("javascript:", "vbscript:", "data:")):
                self.problems.append(f"<{tag} {name}={value[:40]}>")
        if tag == "script" and not (values.get("src") or "").startswith("/static/js/"):
            self.problems.append("<script> not from /static/js/")
        if tag in ("iframe", "object", "embed", "svg", "img", "style", "base", "frame"):
            self.problems.append(f"<{tag}>")
        if tag in ("form", "button") and (values.get("action") or values.get("formaction") or "/").strip()[:1] != "/":
            self.problems.append(f"<{tag}> posting elsewhere")
        if tag == "a" and (values.get("href") or "").startswith("http") and "e-gov.go.jp" not in values["href"]:
            self.problems.append(f"link to {values['href'][:40]}")


def inert(html: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(html)
    return inspector.problems


def _text(payload: str, suffix: str = "") -> str:
    return f"前{payload}後{suffix}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_typed_into_every_authoring_field_are_inert(app, users, tmp_path, payload):
    lesson = import_demo(tmp_path)
    module_id, course_id = lesson.module_id, lesson.module.course_id
    mentor = app.test_client()
    login(mentor, "mentor@example.jp")
    pages: dict[str, str] = {}

    def visit(client, name, url):
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        pages[name] = response.get_data(as_text=True)
        return pages[name]

    # Module fields.
    assert mentor.post(f"/authoring/modules/{module_id}", data={
        "title": _text(payload), "summary": _text(payload), "objectives": _text(payload)}).status_code == 302
    refused = mentor.post(f"/authoring/courses/{course_id}/modules/new", data={"slug": payload, "title": "x"})
    pages["new module refused"] = refused.get_data(as_text=True)

    # Every lesson field, previewed and saved.
    form = {"title": _text(payload), "summary": _text(payload), "minutes": "5", "objectives": _text(payload),
            "tags": _text(payload),
            "body": f"## 見出し\n\n{_text(payload)}\n\n!!! contrast \"{payload}\"\n    {payload}\n",
            "note": _text(payload)[:200]}
    page = visit(mentor, "editor", f"/authoring/lessons/{lesson.id}")
    preview = mentor.post(f"/authoring/lessons/{lesson.id}",
                          data={**form, "base_revision": base_of(page), "action": "preview"})
    pages["preview"] = preview.get_data(as_text=True)
    pages["live preview"] = mentor.post(f"/authoring/preview?lesson={lesson.id}", data=form).get_data(as_text=True)
    saved = mentor.post(f"/authoring/lessons/{lesson.id}",
                        data={**form, "base_revision": base_of(page), "action": "save"})
    pages["saved lesson"] = saved.get_data(as_text=True)
    new = mentor.post(f"/authoring/modules/{module_id}/lessons/new", data={**form, "slug": payload, "action": "save"})
    pages["new lesson refused"] = new.get_data(as_text=True)

    # Every question field, in each type.
    page = visit(mentor, "quiz editor before", f"/authoring/lessons/{lesson.id}/quiz")
    settings = mentor.post(f"/authoring/lessons/{lesson.id}/quiz", data={
        "title": _text(payload), "pass_mark": "50", "note": "", "base_revision": base_of(page)})
    assert settings.status_code == 302
    questions = {
        "single": {"choices-0-text": _text(payload, "A"), "choices-0-correct": "y",
                   "choices-0-feedback": _text(payload), "choices-1-text": _text(payload, "B"),
                   "choices-1-feedback": _text(payload)},
        "multiple": {"choices-0-text": _text(payload, "A"), "choices-0-correct": "y",
                     "choices-1-text": _text(payload, "B"), "choices-1-feedback": _text(payload)},
        "truefalse": {"answer": "true"},
        "number": {"number": "12", "unit": _text(payload)[:20]},
        "order": {"items": f"{_text(payload, 'A')}\n{_text(payload, 'B')}\n{_text(payload, 'C')}"},
    }
    for n, (qtype, fields) in enumerate(questions.items()):
        page = mentor.get(f"/authoring/lessons/{lesson.id}/quiz/new/{qtype}").get_data(as_text=True)
        response = mentor.post(f"/authoring/lessons/{lesson.id}/quiz/new/{qtype}", data={
            "key": f"x{n}", "prompt": _text(payload), "explanation": _text(payload), "difficulty": "1",
            "tags": _text(payload), "note": _text(payload)[:200], "action": "save", "base_revision": base_of(page),
            **fields})
        # Refused only when the payload is itself a broken citation in a Markdown field: the page shows why.
        assert response.status_code == (422 if payload.startswith("[[") else 302)
        pages[f"{qtype} saved"] = response.get_data(as_text=True)
    for name, data in (("bad key", {"key": payload, "prompt": "p", "answer": "true"}),
                       ("bad number", {"key": "zz", "prompt": "p", "number": payload})):
        qtype = "truefalse" if "answer" in data else "number"
        page = mentor.get(f"/authoring/lessons/{lesson.id}/quiz/new/{qtype}").get_data(as_text=True)
        response = mentor.post(f"/authoring/lessons/{lesson.id}/quiz/new/{qtype}",
                               data={**data, "explanation": "", "difficulty": "1", "base_revision": base_of(page)})
        assert response.status_code == 422
        pages[name] = response.get_data(as_text=True)

    # Publish, then look at everything, as the mentor and as a learner who takes the quiz.
    page = visit(mentor, "editor after", f"/authoring/lessons/{lesson.id}")
    published = mentor.post(f"/authoring/lessons/{lesson.id}/publish", data={"base_revision": base_of(page)})
    assert published.status_code == 302
    db.session.expire_all()
    lesson = db.session.get(Lesson, lesson.id)
    revisions = [r.id for r in lesson_revisions(lesson.id)]
    for name, url in (("workspace", "/authoring/"), ("quiz editor", f"/authoring/lessons/{lesson.id}/quiz"),
                      ("history", f"/authoring/lessons/{lesson.id}/history"),
                      ("diff", f"/authoring/lessons/{lesson.id}/diff?a={revisions[-1]}&b={revisions[0]}"),
                      ("revision", f"/authoring/lessons/{lesson.id}/revisions/{revisions[0]}"),
                      ("author preview", f"/authoring/lessons/{lesson.id}/preview"),
                      ("question editor", f"/authoring/lessons/{lesson.id}/quiz/questions/"
                                          f"{'principle' if payload.startswith('[[') else 'x0'}"),
                      ("module editor", f"/authoring/modules/{module_id}")):
        visit(mentor, name, url)
    learner = app.test_client()
    login(learner, "learner@example.jp")
    course = db.session.get(Module, module_id).course.slug
    module_slug = db.session.get(Module, module_id).slug
    visit(learner, "lesson page", f"/courses/{course}/{module_slug}/{lesson.slug}")
    visit(learner, "course page", f"/courses/{course}/")
    quiz = db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))
    visit(learner, "quiz page", f"/quizzes/{quiz.id}")
    attempt = open_attempt(users["learner"].id, quiz.id)
    questions_rows = db.session.scalars(select(Question).where(Question.quiz_id == quiz.id)).all()
    result = learner.post(f"/quizzes/{quiz.id}", data=answer_form(attempt, questions_rows, right=False),
                          follow_redirects=True)
    pages["result page"] = result.get_data(as_text=True)

    for name, html in pages.items():
        assert inert(html) == [], f"{name}: {inert(html)}"
    # The payload is shown as text, not lost: the escaped form is on the pages.
    assert "前" in pages["lesson page"] and "後" in pages["quiz page"]
    if payload.startswith("<script>"):
        assert "&lt;script&gt;" in pages["workspace"]
