"""Quiz rules: starting and submitting attempts, scores and history. Flush, never commit.

An attempt fixes, when it starts, the order of its questions and of each question's choices (or order items);
the page shows them in that order and posts display positions, which are mapped back to the original indices
here. Submitting is guarded in the database (UPDATE … WHERE submitted_at IS NULL), so however many requests
submit the same attempt at once, exactly one records a result.
"""

import copy
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from common.auth import has_role
from common.errors import DomainError
from common.timeutil import utcnow
from curriculum.models import Module
from extensions import db
from lessons.models import Lesson
from quizzes import grading
from quizzes.models import Attempt, Question, Quiz, Response


class AttemptError(DomainError):
    pass


class NoQuestions(AttemptError):
    """The quiz has no questions that can be answered."""


class AlreadySubmitted(AttemptError):
    def __init__(self, attempt_id: int):
        super().__init__(f"Attempt {attempt_id} has already been submitted.")
        self.attempt_id = attempt_id


class AttemptOutdated(AttemptError):
    """The quiz's questions changed (a content import) while the attempt was open: its order does not fit."""


class AnswerErrors(AttemptError):
    """Some answers cannot be read (not a number, an item placed twice …): nothing was recorded."""

    def __init__(self, errors: dict[int, grading.InvalidAnswer]):
        super().__init__("Some answers could not be read.")
        self.errors = errors


# --- loading ----------------------------------------------------------------------------------------------


def _with_course():
    return joinedload(Quiz.lesson).joinedload(Lesson.module).joinedload(Module.course)


def get_quiz(quiz_id: int) -> Quiz | None:
    """The quiz with its lesson, module and course (one query)."""
    return db.session.scalar(select(Quiz).options(_with_course()).where(Quiz.id == quiz_id))


def get_attempt(attempt_id: int) -> Attempt | None:
    """The attempt with its quiz, lesson, module and course (one query); responses load on first use."""
    return db.session.scalar(
        select(Attempt).options(joinedload(Attempt.quiz).options(_with_course()))
        .where(Attempt.id == attempt_id))


def is_open(quiz: Quiz, user=None) -> bool:
    """Whether the quiz can be taken: not archived, nor its lesson, module or course; a draft lesson's quiz
    only by mentors and admins (to preview it)."""
    lesson = quiz.lesson
    if quiz.archived or lesson.archived or lesson.module.archived or lesson.module.course.archived:
        return False
    return lesson.status == "published" or has_role(user, "mentor")


def active_questions(quiz: Quiz) -> list[Question]:
    """The quiz's questions that are not archived, in authored order (one query, then cached on the quiz)."""
    return [q for q in quiz.questions if not q.archived]


def can_view_attempt(user, attempt: Attempt) -> bool:
    return bool(user and user.is_authenticated and (attempt.user_id == user.id or has_role(user, "mentor")))


# --- starting ---------------------------------------------------------------------------------------------


def current_attempt(user, quiz: Quiz) -> Attempt | None:
    """The user's newest unsubmitted attempt of the quiz, if any."""
    return db.session.scalar(
        select(Attempt)
        .where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_(None))
        .order_by(Attempt.id.desc())
        .limit(1))


def start_attempt(user, quiz: Quiz, rng: random.Random | None = None) -> Attempt:
    """The user's open attempt of the quiz, or a new one with its questions and choices shuffled. An open
    attempt is reused (reloading the page does not reshuffle) unless the quiz's questions changed since."""
    questions = active_questions(quiz)
    if not questions:
        raise NoQuestions("The quiz has no questions.")
    attempt = current_attempt(user, quiz)
    if attempt is not None and not is_outdated(attempt, questions):
        return attempt
    rng = rng or random.Random()
    question_order = [q.id for q in questions]
    rng.shuffle(question_order)
    choice_order = {str(q.id): _shuffled_options(q, rng) for q in questions if q.type in grading.CHOICE_TYPES}
    if attempt is None:
        attempt = Attempt(user_id=user.id, quiz_id=quiz.id)
        db.session.add(attempt)
    attempt.question_order = question_order
    attempt.choice_order = choice_order
    attempt.started_at = utcnow()
    db.session.flush()
    return attempt


def _shuffled_options(question: Question, rng: random.Random) -> list[int]:
    count = grading.option_count(question.type, question.data)
    order = list(range(count))
    rng.shuffle(order)
    # Shown in the right order, an order question would answer itself.
    while question.type == "order" and count > 1 and order == sorted(order):
        rng.shuffle(order)
    return order


def is_outdated(attempt: Attempt, questions: Sequence[Question]) -> bool:
    """Whether the attempt's stored order no longer fits the quiz: a question it does not contain, or one
    whose number of choices or items changed. (Questions archived since are simply skipped.)"""
    shown = set(attempt.question_order or [])
    choice_order = attempt.choice_order or {}
    for question in questions:
        if question.id not in shown:
            return True
        if question.type in grading.CHOICE_TYPES:
            order = choice_order.get(str(question.id))
            if not isinstance(order, list) or sorted(order) != list(
                    range(grading.option_count(question.type, question.data))):
                return True
    return False


@dataclass
class ShownQuestion:
    """What the quiz page may know of a question: nothing of its answer key. `options` are (display position,
    text) pairs in the attempt's order."""

    id: int
    number: int
    type: str
    prompt: str
    unit: str = ""
    options: list[tuple[int, str]] = field(default_factory=list)


def shown_questions(attempt: Attempt, questions: Sequence[Question]) -> list[ShownQuestion]:
    """The attempt's questions as the page shows them, in its order, skipping questions archived since."""
    by_id = {q.id: q for q in questions}
    out = []
    for qid in attempt.question_order or []:
        question = by_id.get(qid)
        if question is None:
            continue
        shown = ShownQuestion(id=question.id, number=len(out) + 1, type=question.type, prompt=question.prompt)
        if question.type in ("single", "multiple"):
            texts = [c["text"] for c in grading.choices(question.data)]
        elif question.type == "order":
            texts = [str(item) for item in question.data.get("items") or []]
        else:
            texts = []
        if texts:
            order = attempt.choice_order[str(qid)]
            shown.options = [(position, texts[index]) for position, index in enumerate(order)]
        if question.type == "number":
            shown.unit = question.data.get("unit") or ""
        out.append(shown)
    return out


# --- submitting -------------------------------------------------------------------------------------------


def submit_attempt(attempt: Attempt, raw_answers: Mapping[int, Sequence[str]]) -> Attempt:
    """Grade and record the attempt. `raw_answers` maps question ids to the posted values: display positions
    for single/multiple, one per position for order (blank where none was chosen), 'true'/'false', or the
    number as typed. An unanswered question counts as wrong; an answer that cannot be read raises AnswerErrors
    and records nothing. Raises AlreadySubmitted if the attempt was submitted before (or concurrently)."""
    if attempt.submitted_at is not None:
        raise AlreadySubmitted(attempt.id)
    quiz = attempt.quiz
    questions = active_questions(quiz)
    if is_outdated(attempt, questions):
        raise AttemptOutdated("The quiz changed while the attempt was open.")
    by_id = {q.id: q for q in questions}
    graded: list[tuple[Question, object, bool]] = []
    errors: dict[int, grading.InvalidAnswer] = {}
    for qid in attempt.question_order:
        question = by_id.get(qid)
        if question is None:
            continue
        raw = list(raw_answers.get(qid) or [])
        try:
            if question.type in grading.CHOICE_TYPES:
                raw = grading.from_display(raw, attempt.choice_order[str(qid)])
            answer = grading.parse_answer(question.type, question.data, raw)
        except grading.Unanswered:
            answer = None
        except grading.InvalidAnswer as error:
            errors[qid] = error
            continue
        graded.append((question, answer, grading.is_correct(question.type, question.data, answer)))
    if errors:
        raise AnswerErrors(errors)
    if not graded:
        raise NoQuestions("The attempt has no questions left to grade.")

    results = [correct for _, _, correct in graded]
    percent = grading.score(results)
    values = {"submitted_at": utcnow(), "score": percent, "correct_count": sum(results),
              "passed": grading.passed(percent, quiz.pass_mark)}
    # The guard: of any number of concurrent submissions, the database lets exactly one through.
    outcome = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False))
    if outcome.rowcount != 1:
        raise AlreadySubmitted(attempt.id)
    for name, value in values.items():
        set_committed_value(attempt, name, value)
    # One executemany, whatever the number of questions (ORM objects would be inserted one by one on SQLite).
    db.session.execute(insert(Response), [
        {"attempt_id": attempt.id, "question_id": question.id, "correct": correct,
         "answer": grading.to_json(question.type, answer), "question_snapshot": snapshot(question)}
        for question, answer, correct in graded])
    return attempt


def snapshot(question: Question) -> dict:
    """The question as it was answered, so that a past attempt reads the same after the content changes."""
    return {"key": question.key, "type": question.type, "prompt": question.prompt,
            "data": copy.deepcopy(question.data or {}), "explanation_html": question.explanation_html or ""}


# --- reviewing --------------------------------------------------------------------------------------------


@dataclass
class ReviewChoice:
    text: str
    chosen: bool
    correct: bool
    feedback: str

    @property
    def show_feedback(self) -> bool:
        """Shown where the learner got this choice wrong: chose a wrong one or missed a right one."""
        return bool(self.feedback) and self.chosen != self.correct


@dataclass
class ReviewItem:
    """One question of a submitted attempt, from its snapshot. By type: single/multiple → `choices` (in the
    order shown); truefalse → `given`/`expected` bools; number → strings and `unit`; order → lists of
    texts."""

    number: int
    question_id: int
    type: str
    prompt: str
    correct: bool
    unanswered: bool
    explanation_html: str
    choices: list[ReviewChoice] = field(default_factory=list)
    given: object = None
    expected: object = None
    unit: str = ""


def review(attempt: Attempt) -> list[ReviewItem]:
    """The submitted attempt question by question, in the order shown (one query, for the responses)."""
    responses = {r.question_id: r for r in attempt.responses}
    items = []
    for qid in attempt.question_order or []:
        response = responses.get(qid)
        if response is None:
            continue
        snap = response.question_snapshot or {}
        qtype, data = snap.get("type", ""), snap.get("data") or {}
        item = ReviewItem(number=len(items) + 1, question_id=qid, type=qtype, prompt=snap.get("prompt", ""),
                          correct=response.correct, unanswered=response.answer is None,
                          explanation_html=snap.get("explanation_html", ""))
        answer = response.answer
        if qtype in ("single", "multiple"):
            options = grading.choices(data)
            chosen = {answer} if qtype == "single" else set(answer or [])
            item.choices = [ReviewChoice(options[i]["text"], i in chosen, options[i]["correct"],
                                         options[i]["feedback"])
                            for i in _display_order(attempt, qid, len(options))]
        elif qtype == "truefalse":
            item.given, item.expected = answer, data.get("answer") is True
        elif qtype == "number":
            item.given = grading.format_decimal(answer) if answer is not None else None
            item.expected = grading.format_decimal(data.get("answer"))
            item.unit = data.get("unit") or ""
        elif qtype == "order":
            texts = [str(t) for t in data.get("items") or []]
            item.given = [texts[i] for i in answer if 0 <= i < len(texts)] if answer else None
            item.expected = texts
        items.append(item)
    return items


def _display_order(attempt: Attempt, qid: int, count: int) -> list[int]:
    order = (attempt.choice_order or {}).get(str(qid))
    return order if isinstance(order, list) and sorted(order) == list(range(count)) else list(range(count))


# --- scores and history -----------------------------------------------------------------------------------


@dataclass
class ScoreSummary:
    best: int | None
    attempts: int
    passed: bool


def score_summaries(user_id: int, quiz_ids: Iterable[int]) -> dict[int, ScoreSummary]:
    """Best score, number of submitted attempts and whether ever passed, per quiz (one query). Quizzes never
    submitted are absent."""
    quiz_ids = list(quiz_ids)
    if not quiz_ids:
        return {}
    rows = db.session.execute(
        select(Attempt.quiz_id, func.max(Attempt.score), func.count(Attempt.id),
               func.max(case((Attempt.passed.is_(True), 1), else_=0)))
        .where(Attempt.user_id == user_id, Attempt.quiz_id.in_(quiz_ids), Attempt.submitted_at.is_not(None))
        .group_by(Attempt.quiz_id))
    return {quiz_id: ScoreSummary(best, count, bool(ever_passed))
            for quiz_id, best, count, ever_passed in rows}


def best_scores(user_id: int, quiz_ids: Iterable[int]) -> dict[int, int]:
    """{quiz id: best score in percent} for the quizzes the user has submitted (one query)."""
    summaries = score_summaries(user_id, quiz_ids)
    return {quiz_id: s.best for quiz_id, s in summaries.items() if s.best is not None}


def attempt_history(user, quiz: Quiz) -> list[Attempt]:
    """The user's submitted attempts of the quiz, newest first (one query)."""
    return list(db.session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())))
