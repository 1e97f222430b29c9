"""Arbitrary input never breaks the parsers: the citation grammar, the content-pack reader and the quiz grader
each either succeed or raise their documented error."""

import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contentpack.reader import read_pack
from quizzes import grading
from statutes.citations import CitationSyntaxError, parse_citation

CITATION_ALPHABET = "自治法施行令憲法地財公条項号の第別表一二三四五六七八九十百千〇0123456789０１２ 　_-"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.text(alphabet=CITATION_ALPHABET, max_size=30) | st.text(max_size=30))
def test_citation_parser_parses_or_raises_its_error(text):
    try:
        ref = parse_citation(text)
    except CitationSyntaxError as error:
        assert str(error)
    else:
        assert ref.label() and ref.href().startswith("/statutes/")


QUESTION_DATA = {
    "single": {"choices": [{"text": "a", "correct": True}, {"text": "b", "correct": False}]},
    "multiple": {"choices": [{"text": "a", "correct": True}, {"text": "b", "correct": True},
                             {"text": "c", "correct": False}]},
    "truefalse": {"answer": False},
    "number": {"answer": 5000, "unit": "万円"},
    "order": {"items": ["a", "b", "c"]},
}


@FUZZ
@given(st.sampled_from(sorted(QUESTION_DATA)), st.lists(st.text(max_size=12) | st.sampled_from(
    ["0", "1", "2", "true", "false", "5,000", "５０００", "-1", "1e9", "NaN", "Infinity", ""]), max_size=5))
def test_grader_reads_any_posted_values_or_says_why_not(qtype, raw):
    data = QUESTION_DATA[qtype]
    try:
        answer = grading.parse_answer(qtype, data, raw)
    except (grading.Unanswered, grading.InvalidAnswer):
        return
    assert grading.is_correct(qtype, data, answer) in (True, False)


YAML_NOISE = st.text(alphabet=string.printable + "あ「」:-[]{}!&*#|>%@`'\"\t", max_size=200)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(course=YAML_NOISE, module=YAML_NOISE, lesson=YAML_NOISE, quiz=YAML_NOISE, glossary=YAML_NOISE)
def test_pack_reader_reports_problems_never_crashes(tmp_path_factory, course, module, lesson, quiz, glossary):
    root = tmp_path_factory.mktemp("pack") / "content"
    folder = root / "courses" / "fuzz" / "01-m"
    folder.mkdir(parents=True)
    (root / "courses" / "fuzz" / "course.yaml").write_text(course, encoding="utf-8")
    (folder / "module.yaml").write_text(module, encoding="utf-8")
    (folder / "01-l.md").write_text("---\n" + lesson, encoding="utf-8")
    (folder / "01-l.quiz.yaml").write_text(quiz, encoding="utf-8")
    (root / "glossary.yaml").write_text(glossary, encoding="utf-8")
    pack = read_pack(root)
    for problem in pack.problems:
        assert problem.file and problem.line >= 1 and problem.message
        assert Path(problem.file).parts[0] == "content"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(["single", "multiple", "truefalse", "number", "order", "attempt"]),
                              st.lists(st.text(max_size=10), max_size=4), max_size=6))
def test_quiz_submission_with_any_form_values_is_never_a_server_error(app, users, values):
    from tests.conftest import login
    from tests.quizzes.factories import make_quiz

    if not hasattr(app, "_fuzz_quiz"):
        app._fuzz_quiz = make_quiz()
        db_commit()
    quiz = app._fuzz_quiz
    client = app.test_client()
    login(client, "learner@example.jp")
    client.get(f"/quizzes/{quiz.id}")
    ids = {q.type: q.id for q in quiz.questions}
    form = {}
    for name, posted in values.items():
        field = "attempt_id" if name == "attempt" else f"q-{ids[name]}"
        form[field] = posted
    response = client.post(f"/quizzes/{quiz.id}", data=form)
    # 302 recorded, 422 answers shown again with errors, 400/404 a malformed or foreign attempt id: never a 500.
    assert response.status_code in (302, 400, 404, 422), response.status_code


def db_commit():
    from extensions import db

    db.session.commit()
