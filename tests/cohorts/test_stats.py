"""Cohort statistics against values computed by hand.

The fixture: six learners L1…L6 (in id order) take one quiz of three questions; their first attempts are

    question (right answer)     L1        L2      L3      L4      L5      L6      right  facility
    Q1 single (choice 0)        1 ✗       2 ✗     1 ✗     0 ✓     0 ✓     1 ✗     2/6    0.33
    Q2 true/false (false)       true ✗    ✓       ✓       true ✗  ✓       ✓       4/6    0.67
    Q3 number (7321 万円)        blank ✗   7000 ✗  ✓       ✓       ✓       ✓       4/6    0.67
    total score                 0/3       1/3     2/3     2/3     3/3     2/3

Ranked by total score, ties by id: L1, L2, L3, L4, L6, L5 → lower third {L1, L2}, upper third {L6, L5}.
Discrimination = facility in the upper third − facility in the lower third:
    Q1: 1/2 − 0/2 = 0.50      Q2: 2/2 − 1/2 = 0.50      Q3: 2/2 − 0/2 = 1.00
Most-chosen wrong answer: Q1 choice 1 (「誤った選択肢A」, 3 learners), Q2 「正しい」 (true, 2), Q3 7000万円 (1; the
blank answer is not an answer).

Citations: Q1 → 自治法234条, 憲法92条; Q2 → 自治法234条, 自治法96条; Q3 → 自治法96条1項 and 96条2項 (one article,
counted once), 自治法2条. Wrong first answers per article:
    自治法234条: Q1 4 + Q2 2 = 6 of 12 (0.50)      憲法92条: 4 of 6 (0.67)
    自治法96条:  Q2 2 + Q3 2 = 4 of 12 (0.33)      自治法2条: 2 of 6 (0.33)
→ ranked 自治法234条, 憲法92条 (4, higher rate), 自治法96条, 自治法2条.

Later attempts (L1 and L2 retake everything), a learner who left the cohort and a learner outside it all answer
Q1 with choice 2: none of that may change a number above.
"""

from datetime import date, datetime, timedelta

import pytest

from cohorts import review, stats
from cohorts.models import Membership
from common.timeutil import utcnow
from extensions import db
from quizzes.models import QuestionCitation
from tests.cohorts.conftest import add_member, attempt, complete, make_cohort
from tests.conftest import make_user
from tests.quizzes.factories import make_quiz

JICHIHO, KENPO = "322AC0000000067", "321CONSTITUTION"
Q1_CHOICES = [{"text": "正しい選択肢", "correct": True, "feedback": ""},
              {"text": "誤った選択肢A", "correct": False, "feedback": ""},
              {"text": "誤った選択肢B", "correct": False, "feedback": ""}]

# (Q1, Q2, Q3) first answers: (answer, correct)
FIRST = {
    "L1": ((1, False), (True, False), (None, False)),
    "L2": ((2, False), (False, True), ("7000", False)),
    "L3": ((1, False), (False, True), ("7321", True)),
    "L4": ((0, True), (True, False), ("7321", True)),
    "L5": ((0, True), (False, True), ("7321", True)),
    "L6": ((1, False), (False, True), ("7321", True)),
}
ALL_WRONG = ((2, False), (True, False), ("1", False))
ALL_RIGHT = ((0, True), (False, True), ("7321", True))


@pytest.fixture
def fixture(app, users):
    quiz = make_quiz([
        {"key": "q1", "type": "single", "prompt": "問1", "data": {"choices": Q1_CHOICES}},
        {"key": "q2", "type": "truefalse", "prompt": "問2", "data": {"answer": False}},
        {"key": "q3", "type": "number", "prompt": "問3", "data": {"answer": 7321, "unit": "万円"}},
    ], pass_mark=100)
    q1, q2, q3 = (q.id for q in quiz.questions)
    for qid, law, num, paragraph in [(q1, JICHIHO, "234", None), (q1, KENPO, "92", None),
                                     (q2, JICHIHO, "234", 1), (q2, JICHIHO, "96", None),
                                     (q3, JICHIHO, "96", 1), (q3, JICHIHO, "96", 2), (q3, JICHIHO, "2", None)]:
        db.session.add(QuestionCitation(question_id=qid, law_id=law, article_num=num, paragraph=paragraph,
                                        item=None, label=""))
    db.session.commit()
    cohort = make_cohort(users["mentor"], quiz.lesson.module.course_id)
    learners = {name: make_user(f"{name.lower()}@example.jp") for name in FIRST}
    for user in learners.values():
        add_member(cohort, user)
    first_day = datetime(2027, 4, 10, 9)
    for n, (name, answers) in enumerate(FIRST.items()):
        attempt(learners[name].id, quiz, dict(zip((q1, q2, q3), answers, strict=True)), first_day + timedelta(hours=n))
    for name in ("L1", "L2"):  # retakes come later and do not count
        attempt(learners[name].id, quiz, dict(zip((q1, q2, q3), ALL_RIGHT, strict=True)), first_day + timedelta(days=1))
    left = make_user("left@example.jp")
    add_member(cohort, left, left_at=utcnow())
    outsider = make_user("outsider@example.jp")
    for person in (left, outsider):
        attempt(person.id, quiz, dict(zip((q1, q2, q3), ALL_WRONG, strict=True)), first_day - timedelta(days=1))
    return {"cohort": cohort, "quiz": quiz, "q": (q1, q2, q3), "learners": learners}


def reference_answers(fixture) -> list[stats.Answer]:
    """The same first attempts and retakes as plain values, for the pure reference implementations."""
    q = fixture["q"]
    out = []
    for n, (name, answers) in enumerate(FIRST.items()):
        user = fixture["learners"][name].id
        out += [stats.Answer(user, 1, qid, (1, n), ok, answer) for qid, (answer, ok) in zip(q, answers, strict=True)]
        if name in ("L1", "L2"):
            out += [stats.Answer(user, 1, qid, (2, n), ok, answer)
                    for qid, (answer, ok) in zip(q, ALL_RIGHT, strict=True)]
    return out


def test_item_statistics_match_hand_computed_values(fixture):
    q1, q2, q3 = fixture["q"]
    items = review.item_statistics(fixture["cohort"])
    assert set(items) == {q1, q2, q3}
    expected = {q1: (6, 2, 0.33, 0.50, "誤った選択肢A", 3),
                q2: (6, 4, 0.67, 0.50, "正しい", 2),
                q3: (6, 4, 0.67, 1.00, "7000万円", 1)}
    for qid, (answered, right, facility, discrimination, wrong, wrong_count) in expected.items():
        s = items[qid]
        assert (s.answered, s.correct) == (answered, right), qid
        assert round(s.facility, 2) == facility
        assert round(s.discrimination, 2) == discrimination
        assert (s.wrong_answer, s.wrong_count) == (wrong, wrong_count)
        assert (s.upper_n, s.lower_n) == (2, 2)


def test_the_reference_implementation_agrees(fixture):
    firsts = stats.first_answers(reference_answers(fixture))
    assert len(firsts) == 18
    totals = stats.learner_totals(firsts)
    ids = {name: user.id for name, user in fixture["learners"].items()}
    assert stats.thirds(totals) == ({ids["L1"], ids["L2"]}, {ids["L6"], ids["L5"]})
    reference = stats.item_stats(firsts)
    computed = review.item_statistics(fixture["cohort"])
    for qid, s in reference.items():
        assert (s.answered, s.correct, s.upper_n, s.upper_correct, s.lower_n, s.lower_correct) == (
            computed[qid].answered, computed[qid].correct, computed[qid].upper_n, computed[qid].upper_correct,
            computed[qid].lower_n, computed[qid].lower_correct)
    q1, q2, q3 = fixture["q"]
    wrong = stats.wrong_answer_counts(firsts)
    assert stats.most_chosen_wrong(wrong[q1]) == (1, 3)
    assert stats.most_chosen_wrong(wrong[q2]) == (True, 2)
    assert stats.most_chosen_wrong(wrong[q3]) == ("7000", 1)  # the blank answer is not counted


def test_weakest_articles(fixture):
    items = review.item_statistics(fixture["cohort"])
    rows = review.weakest_articles(fixture["cohort"], items)
    assert [(r.label, r.stats.missed, r.stats.answered, r.stats.questions) for r in rows] == [
        ("地方自治法第234条", 6, 12, 2),
        ("日本国憲法第92条", 4, 6, 1),
        ("地方自治法第96条", 4, 12, 2),
        ("地方自治法第2条", 2, 6, 1),
    ]
    assert rows[0].href == "/statutes/322AC0000000067/234"
    # The pure reference, from individual first answers and citations, gives the same ranking.
    q1, q2, q3 = fixture["q"]
    citations = {q1: [(JICHIHO, "234"), (KENPO, "92")], q2: [(JICHIHO, "234"), (JICHIHO, "96")],
                 q3: [(JICHIHO, "96"), (JICHIHO, "96"), (JICHIHO, "2")]}
    reference = stats.weakest_articles(stats.first_answers(reference_answers(fixture)), citations)
    assert [(a.law_id, a.article_num, a.missed, a.answered) for a in reference] == [
        (r.stats.law_id, r.stats.article_num, r.stats.missed, r.stats.answered) for r in rows]
    assert [round(a.miss_rate, 2) for a in reference] == [0.5, 0.67, 0.33, 0.33]


def test_review_deck_lists_the_hardest_questions_first(fixture):
    items = review.item_statistics(fixture["cohort"])
    infos = review.questions(fixture["cohort"].course_id)
    deck = review.deck(fixture["cohort"], items, infos, None, learners=6)
    q1, q2, q3 = fixture["q"]
    assert [d.info.id for d in deck] == [q1, q2, q3]
    assert deck[0].info.answer_text == "正しい選択肢"
    assert deck[2].info.answer_text == "7321万円"
    assert deck[0].explanation_html.startswith("<p>EXPLANATION")


def test_learners_outside_the_cohort_do_not_count(fixture):
    db.session.execute(db.update(Membership).where(Membership.user_id == fixture["learners"]["L5"].id)
                       .values(left_at=utcnow()))
    db.session.commit()
    q1, _q2, _q3 = fixture["q"]
    items = review.item_statistics(fixture["cohort"])
    assert (items[q1].answered, items[q1].correct) == (5, 1)


# --- pure helpers ------------------------------------------------------------------------------------------


def test_small_helpers():
    assert stats.median([]) is None
    assert stats.median([40, 10, 30]) == 30
    assert stats.median([10, 20, 30, 40]) == 25
    assert stats.percent(1, 8) == 13 and stats.percent(2, 8) == 25 and stats.percent(0, 0) == 0
    assert stats.facility(0, 0) is None
    assert stats.discrimination(1, 2, 0, 0) is None
    assert stats.discrimination(3, 4, 1, 4) == 0.5


def test_thirds_are_equal_and_ties_go_by_id():
    assert stats.thirds({1: 0.5, 2: 0.5}) == (set(), set())  # fewer than three learners: no thirds
    totals = {7: 0.9, 3: 0.1, 5: 0.5, 1: 0.5, 2: 0.5, 6: 0.2, 4: 1.0}
    # ranked: 3 (0.1), 6 (0.2), 1, 2, 5 (0.5, by id), 7 (0.9), 4 (1.0); ⌊7/3⌋ = 2 per third
    assert stats.thirds(totals) == ({3, 6}, {7, 4})


def test_most_chosen_wrong_answer_ties_go_to_the_first_in_order():
    assert stats.most_chosen_wrong({}) is None
    assert stats.most_chosen_wrong({"[0, 2]": 2, "[1]": 2, "[2]": 1}) == ("[0, 2]", 2)


def test_stalled_and_idle_days():
    now = datetime(2027, 5, 1, 12)
    assert stats.idle_days(None, now) is None
    assert stats.idle_days(datetime(2027, 4, 17, 13), now) == 13
    assert not stats.is_stalled(datetime(2027, 4, 17, 13), False, now, 14)
    assert stats.is_stalled(datetime(2027, 4, 17, 12), False, now, 14)
    assert not stats.is_stalled(datetime(2027, 1, 1), True, now, 14)  # finished: not stalled
    assert not stats.is_stalled(None, False, now, 14)  # never started: "not started", not stalled


def test_histogram_and_weekly_progress():
    assert stats.histogram([0, 9, 10, 55, 99, 100]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    daily = {date(2027, 4, 2): 3, date(2027, 4, 9): 2, date(2027, 4, 20): 5}
    points = stats.weekly_progress(daily, date(2027, 4, 1), date(2027, 4, 21), denominator=20)
    assert points == [(date(2027, 4, 7), 15), (date(2027, 4, 14), 25), (date(2027, 4, 21), 50)]
    assert stats.weekly_progress({}, date(2027, 4, 1), date(2027, 4, 1), 0) == [(date(2027, 4, 1), 0)]


def test_chart_geometry():
    line = stats.line_chart([("04/07", 0), ("04/14", 50), ("04/21", 100)], width=300, height=200)
    (x0, y0, _), (_x1, y1, _), (x2, y2, _) = line.points
    assert (x0, x2) == (line.left, line.right)
    assert y0 == line.bottom and y2 == line.top and y1 == (line.top + line.bottom) / 2
    bars = stats.bar_chart([0, 3, 6], ["a", "b", "c"], width=300, height=200)
    heights = [h for _x, _y, _w, h, _v in bars.bars]
    assert heights[0] == 0 and heights[2] == 2 * heights[1]
    assert bars.y_ticks[-1][1] == "6"


def test_matrix_flags_and_sorting(app, users, world_course):
    cohort, lessons, quizzes = world_course
    names = ["Aさん", "Bさん", "Cさん", "Dさん"]
    people = [make_user(f"m{i}@example.jp") for i in range(4)]
    for person, name in zip(people, names, strict=True):
        person.display_name = name
        add_member(cohort, person)
    now = utcnow()
    a, b, c, d = (p.id for p in people)
    for lesson, quiz in zip(lessons[:2], quizzes[:2], strict=True):  # A: module 1 read and passed
        complete(a, lesson.id, now - timedelta(days=1))
        attempt(a, quiz, {q.id: (True, True) for q in quiz.questions}, now - timedelta(days=1))
    complete(b, lessons[0].id, now - timedelta(days=2))  # B: read one lesson, failed its quiz
    attempt(b, quizzes[0], {q.id: (False, False) for q in quizzes[0].questions}, now - timedelta(days=2))
    complete(d, lessons[2].id, now - timedelta(days=30))  # D: nothing for 30 days
    grid = review.matrix(cohort, now)
    rows = {r.name: r for r in grid.rows}
    m1, m2 = (m.id for m in grid.modules)
    a_m1 = rows["Aさん"].cells[m1]
    assert (a_m1.read, a_m1.finished, a_m1.score) == (2, 2, 100)
    assert rows["Aさん"].cells[m1].complete and not rows["Aさん"].cells[m2].complete
    assert (rows["Bさん"].cells[m1].read, rows["Bさん"].cells[m1].finished, rows["Bさん"].cells[m1].score) == (1, 0, 0)
    assert rows["Aさん"].percent == 50 and rows["Bさん"].percent == 25 and rows["Cさん"].percent == 0
    assert [r.name for r in grid.not_started] == ["Cさん"]
    assert [r.name for r in grid.stalled] == ["Dさん"] and rows["Dさん"].idle_days == 30
    assert grid.median_percent == 25.0
    assert grid.module_average(m1) == round((100 + 50 + 0 + 0) / 4)
    by_progress = [r.name for r in review.sort_rows(grid.rows, "progress", descending=True)]
    assert by_progress == ["Aさん", "Bさん", "Dさん", "Cさん"]
    by_score = [r.name for r in review.sort_rows(grid.rows, "score")]
    assert by_score == ["Bさん", "Aさん", "Cさん", "Dさん"]  # no score sorts last
    assert [r.name for r in review.sort_rows(grid.rows, f"m{m1}", descending=True)][:2] == ["Aさん", "Bさん"]
    assert [r.name for r in review.sort_rows(grid.rows, "name", descending=True)] == names[::-1]


@pytest.fixture
def world_course(app, users):
    from sqlalchemy import select

    from lessons.models import Lesson
    from quizzes.models import Quiz
    from tests.factories import make_course

    course = make_course(modules=2, lessons=2, questions=2)
    cohort = make_cohort(users["mentor"], course.id)
    lessons = db.session.scalars(select(Lesson).order_by(Lesson.module_id, Lesson.position)).all()
    quizzes = [db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id)) for lesson in lessons]
    return cohort, lessons, quizzes


def test_lessons_read_count_on_the_day_where_the_cohort_meets(app, users, world_course):
    """Stored times are UTC; the progress chart counts days in Asia/Tokyo: 23:30 UTC is 08:30 the next morning."""
    cohort, lessons, _quizzes = world_course
    person = make_user("early@example.jp")
    add_member(cohort, person)
    complete(person.id, lessons[0].id, datetime(2027, 4, 5, 23, 30))  # 2027-04-06 08:30 in Tokyo
    complete(person.id, lessons[1].id, datetime(2027, 4, 6, 14, 59))  # 2027-04-06 23:59 in Tokyo
    complete(person.id, lessons[2].id, datetime(2027, 4, 6, 15, 0))  # 2027-04-07 00:00 in Tokyo
    assert review.daily_completions(cohort) == {date(2027, 4, 6): 2, date(2027, 4, 7): 1}
