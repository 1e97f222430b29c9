"""The read side of a cohort: the learners × modules matrix, item statistics, weakest articles, charts' data,
the review deck and the anonymous aggregates a learner sees. Every function issues a fixed number of queries
whatever the number of learners: counting and grouping happen in SQL, and only per-learner or per-question
totals come back (the pure arithmetic is in `cohorts/stats.py`).

"The course" means its published, non-archived lessons in non-archived modules, their non-archived quizzes and
questions; "learners" means the cohort's active learner memberships.
"""

import json
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import String, and_, case, cast, exists, func, or_, select, text, true
from sqlalchemy.orm import aliased

from accounts.models import User
from cohorts import stats
from cohorts.models import Cohort, Membership, StudySession
from curriculum.models import Module
from extensions import db
from lessons.models import Lesson, LessonCompletion
from quizzes.models import Attempt, Question, QuestionCitation, Quiz, Response
from statutes.citations import LAWS_BY_ID, CitationRef, LawName

# Aggregates are shown to learners only when at least this many learners make them up, so that nobody's own
# numbers can be read off them.
MIN_GROUP = 3


def _learner_ids(cohort_id: int):
    return (select(Membership.user_id)
            .where(Membership.cohort_id == cohort_id, Membership.role == "learner", Membership.left_at.is_(None))
            .scalar_subquery())


def _course_lessons(course_id: int):
    """Conditions for a lesson (joined with its module) to count as part of the course."""
    return and_(Module.course_id == course_id, Module.archived.is_(False), Lesson.archived.is_(False),
                Lesson.status == "published")


# --- modules and learners ----------------------------------------------------------------------------------


@dataclass
class ModuleInfo:
    id: int
    slug: str
    title: str
    position: int
    lessons: int
    quizzes: int


def modules(course_id: int) -> list[ModuleInfo]:
    """The course's modules that have lessons, in order, with their numbers of lessons and quizzes (one query)."""
    rows = db.session.execute(
        select(Module.id, Module.slug, Module.title, Module.position, func.count(Lesson.id), func.count(Quiz.id))
        .join(Lesson, Lesson.module_id == Module.id)
        .outerjoin(Quiz, and_(Quiz.lesson_id == Lesson.id, Quiz.archived.is_(False)))
        .where(_course_lessons(course_id))
        .group_by(Module.id, Module.slug, Module.title, Module.position)
        .order_by(Module.position, Module.id))
    return [ModuleInfo(*row) for row in rows]


@dataclass(slots=True)
class Cell:
    """One learner in one module."""

    lessons: int
    quizzes: int
    read: int = 0
    finished: int = 0  # read, and its quiz (if any) passed
    quizzes_taken: int = 0
    quizzes_passed: int = 0
    score_sum: int = 0  # sum of the best scores of the quizzes taken
    last: datetime | None = None

    @property
    def percent(self) -> int:
        return stats.percent(self.read, self.lessons)

    @property
    def score(self) -> int | None:
        """The mean of the best scores of the module's quizzes taken."""
        return round(self.score_sum / self.quizzes_taken) if self.quizzes_taken else None

    @property
    def complete(self) -> bool:
        return self.lessons > 0 and self.finished >= self.lessons

    @property
    def started(self) -> bool:
        return bool(self.read or self.quizzes_taken)


@dataclass
class LearnerRow:
    user_id: int
    name: str
    organisation: str
    hide_name: bool
    joined_at: datetime
    cells: dict[int, Cell] = field(default_factory=dict)
    lessons: int = 0
    last_activity: datetime | None = None
    stalled: bool = False
    idle_days: int | None = None

    @property
    def read(self) -> int:
        return sum(c.read for c in self.cells.values())

    @property
    def percent(self) -> int:
        return stats.percent(self.read, self.lessons)

    @property
    def quizzes_taken(self) -> int:
        return sum(c.quizzes_taken for c in self.cells.values())

    @property
    def score(self) -> int | None:
        taken = self.quizzes_taken
        return round(sum(c.score_sum for c in self.cells.values()) / taken) if taken else None

    @property
    def not_started(self) -> bool:
        return not any(c.started for c in self.cells.values())

    @property
    def finished(self) -> bool:
        return bool(self.cells) and all(c.complete for c in self.cells.values())

    def cell_views(self, module_ids) -> list[tuple[str, bool, str]]:
        """(CSS class, complete, "read/lessons · score%") per module, in the given order: what a matrix cell shows,
        worked out here because a large cohort's matrix has thousands of cells and each attribute a template
        looks up costs more than the arithmetic."""
        views = []
        for module_id in module_ids:
            cell = self.cells[module_id]
            complete = cell.complete
            score = cell.score
            text = f"{cell.read}/{cell.lessons}" if score is None else f"{cell.read}/{cell.lessons} · {score}%"
            views.append(("cell-complete" if complete else "cell-partial" if cell.started else "cell-none",
                          complete, text))
        return views

    def ready_for(self, module_ids) -> bool:
        return all(self.cells[m].complete for m in module_ids if m in self.cells)


@dataclass
class Matrix:
    modules: list[ModuleInfo]
    rows: list[LearnerRow]
    stall_days: int
    now: datetime

    @property
    def lessons(self) -> int:
        return sum(m.lessons for m in self.modules)

    @property
    def not_started(self) -> list[LearnerRow]:
        return [r for r in self.rows if r.not_started]

    @property
    def stalled(self) -> list[LearnerRow]:
        return [r for r in self.rows if r.stalled]

    @property
    def median_percent(self) -> float | None:
        return stats.median(r.percent for r in self.rows)

    def module_average(self, module_id: int) -> int | None:
        if not self.rows:
            return None
        return round(stats.mean(r.cells[module_id].percent for r in self.rows))

    def module_average_score(self, module_id: int) -> int | None:
        cells = [r.cells[module_id] for r in self.rows if r.cells[module_id].quizzes_taken]
        taken = sum(c.quizzes_taken for c in cells)
        return round(sum(c.score_sum for c in cells) / taken) if taken else None

    def ready(self, session: StudySession) -> list[LearnerRow]:
        ids = [m.id for m in session.modules]
        return [r for r in self.rows if r.ready_for(ids)]


def matrix(cohort: Cohort, now: datetime) -> Matrix:
    """Learners × modules: lessons read and finished, quizzes taken and passed, mean best score, last activity
    (four queries, whatever the number of learners)."""
    infos = modules(cohort.course_id)
    learners = _learner_ids(cohort.id)
    rows = [LearnerRow(user_id, name, organisation or "", hide, joined,
                       cells={m.id: Cell(m.lessons, m.quizzes) for m in infos},
                       lessons=sum(m.lessons for m in infos))
            for user_id, name, organisation, hide, joined in db.session.execute(
                select(User.id, User.display_name, User.organisation, Membership.hide_name, Membership.joined_at)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.cohort_id == cohort.id, Membership.role == "learner",
                       Membership.left_at.is_(None))
                .order_by(User.display_name, User.id))]
    by_user = {r.user_id: r for r in rows}

    passed = exists().where(Attempt.user_id == LessonCompletion.user_id, Attempt.quiz_id == Quiz.id,
                            Attempt.submitted_at.is_not(None), Attempt.score >= Quiz.pass_mark)
    for user_id, module_id, read, finished, last in db.session.execute(
            select(LessonCompletion.user_id, Lesson.module_id, func.count(LessonCompletion.id),
                   func.sum(case((Quiz.id.is_(None), 1), (passed, 1), else_=0)),
                   func.max(LessonCompletion.completed_at))
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .outerjoin(Quiz, and_(Quiz.lesson_id == Lesson.id, Quiz.archived.is_(False)))
            .where(_course_lessons(cohort.course_id), LessonCompletion.user_id.in_(learners))
            .group_by(LessonCompletion.user_id, Lesson.module_id)):
        cell = by_user[user_id].cells.get(module_id)
        if cell is not None:
            cell.read, cell.finished, cell.last = read, int(finished or 0), last

    best = (select(Attempt.user_id.label("user_id"), Lesson.module_id.label("module_id"),
                   Quiz.pass_mark.label("pass_mark"), func.max(Attempt.score).label("best"),
                   func.max(Attempt.submitted_at).label("last"))
            .join(Quiz, Quiz.id == Attempt.quiz_id).join(Lesson, Lesson.id == Quiz.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(_course_lessons(cohort.course_id), Quiz.archived.is_(False), Attempt.submitted_at.is_not(None),
                   Attempt.user_id.in_(learners))
            .group_by(Attempt.user_id, Attempt.quiz_id, Lesson.module_id, Quiz.pass_mark)
            .subquery())
    for user_id, module_id, taken, score_sum, passed_count, last in db.session.execute(
            select(best.c.user_id, best.c.module_id, func.count(), func.sum(best.c.best),
                   func.sum(case((best.c.best >= best.c.pass_mark, 1), else_=0)), func.max(best.c.last))
            .group_by(best.c.user_id, best.c.module_id)):
        cell = by_user[user_id].cells.get(module_id)
        if cell is not None:
            cell.quizzes_taken, cell.score_sum, cell.quizzes_passed = taken, int(score_sum or 0), int(passed_count)
            if last and (cell.last is None or last > cell.last):
                cell.last = last

    for row in rows:
        row.last_activity = max((c.last for c in row.cells.values() if c.last), default=None)
        row.idle_days = stats.idle_days(row.last_activity, now)
        row.stalled = stats.is_stalled(row.last_activity, row.finished, now, cohort.stall_days)
    return Matrix(infos, rows, cohort.stall_days, now)


SORTS = ("name", "progress", "score", "last")


def sort_rows(rows: list[LearnerRow], key: str, descending: bool = False) -> list[LearnerRow]:
    """Sorted by name, progress, mean score, last activity or a module (`m<id>`: finished, then read, then
    score). Missing values sort last either way; ties keep name order."""
    def value(row: LearnerRow):
        if key == "progress":
            return row.percent
        if key == "score":
            return row.score
        if key == "last":
            return row.last_activity
        if key.startswith("m") and key[1:].isdigit() and int(key[1:]) in row.cells:
            cell = row.cells[int(key[1:])]
            return (cell.finished, cell.read, cell.score if cell.score is not None else -1)
        return None

    by_name = sorted(rows, key=lambda r: (r.name, r.user_id))
    if key == "name" or key not in SORTS and not (key.startswith("m") and key[1:].isdigit()):
        return list(reversed(by_name)) if descending else by_name
    present = [r for r in by_name if value(r) is not None]
    missing = [r for r in by_name if value(r) is None]
    present.sort(key=value, reverse=descending)
    return present + missing


# --- first answers and item statistics ---------------------------------------------------------------------


def _first_answers(cohort: Cohort):
    """A subquery of the answers in each learner's first submitted attempt of each quiz of the course: user_id,
    question_id, correct, answer, response_id. It starts from the attempts and reaches the responses through an
    index that covers what is read (`ix_responses_first_answers`), so the large question snapshots are never read.
    "First" is an anti-join (no earlier submitted attempt of the same quiz by the same learner, ties broken by id)
    on `ix_attempts_user_quiz_submitted`, cheaper than a row_number() window on SQLite and PostgreSQL alike."""
    earlier = aliased(Attempt)
    first = (
        select(Attempt.id.label("id"), Attempt.user_id.label("user_id"))
        .join(Quiz, Quiz.id == Attempt.quiz_id).join(Lesson, Lesson.id == Quiz.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(_course_lessons(cohort.course_id), Quiz.archived.is_(False), Attempt.submitted_at.is_not(None),
               Attempt.user_id.in_(_learner_ids(cohort.id)),
               ~exists().where(earlier.user_id == Attempt.user_id, earlier.quiz_id == Attempt.quiz_id,
                               earlier.submitted_at.is_not(None),
                               or_(earlier.submitted_at < Attempt.submitted_at,
                                   and_(earlier.submitted_at == Attempt.submitted_at, earlier.id < Attempt.id))))
        .subquery())
    # Archived questions are left out with a join, not `NOT IN (subquery)`: PostgreSQL charges a hashed
    # subplan's start-up cost to every probe of a nested loop, so with NOT IN it chose a merge join that reads the
    # whole responses index for a cohort whose attempts came late (280 ms instead of 10; docs/benchmarks.md).
    return (select(first.c.user_id.label("user_id"), Response.question_id.label("question_id"),
                   Response.correct.label("correct"), Response.answer.label("answer"),
                   Response.id.label("response_id"))
            .select_from(first)
            .join(Response, Response.attempt_id == first.c.id)
            .join(Question, and_(Question.id == Response.question_id, Question.archived.is_(False)))
            .subquery())


def _right(column):
    return case((column.is_(True), 1), else_=0)


def learner_totals(cohort: Cohort) -> dict[int, float]:
    """{learner id: share of their first answers that are right}, for learners with any (one query)."""
    firsts = _first_answers(cohort)
    return {user_id: (right or 0) / answered for user_id, answered, right in db.session.execute(
        select(firsts.c.user_id, func.count(), func.sum(_right(firsts.c.correct))).group_by(firsts.c.user_id))}


def item_statistics(cohort: Cohort) -> dict[int, stats.ItemStats]:
    """Per question: answered, facility, discrimination and the most-chosen wrong answer (two queries, and a
    third for the wrong answers' wording). The thirds come from `learner_totals`; the answers are then counted
    per question, third, and wrong answer in SQL."""
    lower, upper = stats.thirds(learner_totals(cohort))
    firsts = _first_answers(cohort)
    tier = case((firsts.c.user_id.in_(sorted(lower)), stats.LOWER), (firsts.c.user_id.in_(sorted(upper)), stats.UPPER),
                else_=stats.MIDDLE).label("tier")
    # The answer's JSON text, only for wrong answers. On PostgreSQL it comes from the covering index
    # (ix_responses_first_answers includes answer and id); on SQLite it costs a table row, whose question snapshot
    # makes it large (docs/benchmarks.md).
    wrong = case((firsts.c.correct.is_(False), cast(firsts.c.answer, String)), else_=None).label("wrong")
    grouped = select(firsts.c.question_id, tier, firsts.c.correct, wrong, firsts.c.response_id).subquery()
    rows = db.session.execute(
        select(grouped.c.question_id, grouped.c.tier, grouped.c.wrong, func.count(),
               func.sum(_right(grouped.c.correct)), func.max(grouped.c.response_id))
        .group_by(grouped.c.question_id, grouped.c.tier, grouped.c.wrong)).all()
    items = stats.item_stats_from_groups(
        (qid, tier_, n, right) for qid, tier_, _wrong, n, right, _example in rows)

    wrong_counts: dict[int, Counter] = defaultdict(Counter)
    example: dict[tuple[int, str], int] = {}
    for qid, _tier, answer, n, _right_count, response_id in rows:
        if answer is None or answer == "null":  # right, or left blank
            continue
        wrong_counts[qid][answer] += n
        example[qid, answer] = max(example.get((qid, answer), 0), response_id)
    top = {qid: stats.most_chosen_wrong(counts) for qid, counts in wrong_counts.items()}
    # The answer is described with the question as the learner saw it (its snapshot), in one query.
    wanted = {example[qid, answer]: qid for qid, (answer, _count) in top.items()}
    if wanted:
        for response_id, snapshot, answer in db.session.execute(
                select(Response.id, Response.question_snapshot, Response.answer)
                .where(Response.id.in_(sorted(wanted)))):
            qid = wanted[response_id]
            if qid in items:
                snapshot = snapshot or {}
                items[qid].wrong_answer = describe_answer(snapshot.get("type", ""), snapshot.get("data") or {},
                                                          answer)
                items[qid].wrong_count = top[qid][1]
    return items


def describe_answer(qtype: str, data: dict, answer) -> str:
    """An answer as a person reads it: the choice texts, ○/×, the number with its unit, the items in order."""
    if answer is None:
        return _("(no answer)")
    if qtype in ("single", "multiple"):
        texts = [c.get("text", "") if isinstance(c, dict) else str(c) for c in data.get("choices") or []]
        chosen = [answer] if qtype == "single" else list(answer)
        return " / ".join(texts[i] if isinstance(i, int) and 0 <= i < len(texts) else "?" for i in chosen)
    if qtype == "truefalse":
        return _("True") if answer else _("False")
    if qtype == "number":
        unit = data.get("unit") or ""
        return f"{answer}{unit}"
    if qtype == "order":
        items = [str(t) for t in data.get("items") or []]
        return " → ".join(items[i] if isinstance(i, int) and 0 <= i < len(items) else "?" for i in answer)
    return json.dumps(answer, ensure_ascii=False)


def correct_answer(qtype: str, data: dict):
    """The right answer in the stored answer format (for describe_answer)."""
    if qtype == "single":
        return next((i for i, c in enumerate(data.get("choices") or []) if isinstance(c, dict) and c.get("correct")),
                    None)
    if qtype == "multiple":
        return [i for i, c in enumerate(data.get("choices") or []) if isinstance(c, dict) and c.get("correct")]
    if qtype == "truefalse":
        return bool(data.get("answer"))
    if qtype == "number":
        return data.get("answer")
    if qtype == "order":
        return list(range(len(data.get("items") or [])))
    return None


@dataclass
class QuestionInfo:
    id: int
    key: str
    type: str
    prompt: str
    data: dict
    quiz_id: int
    quiz_title: str
    lesson_title: str
    lesson_slug: str
    module_id: int
    module_slug: str
    module_title: str

    @property
    def answer_text(self) -> str:
        return describe_answer(self.type, self.data or {}, correct_answer(self.type, self.data or {}))


def questions(course_id: int) -> dict[int, QuestionInfo]:
    """The course's questions in course order, with where they are (one query)."""
    rows = db.session.execute(
        select(Question.id, Question.key, Question.type, Question.prompt, Question.data, Quiz.id, Quiz.title,
               Lesson.title, Lesson.slug, Module.id, Module.slug, Module.title)
        .join(Quiz, Quiz.id == Question.quiz_id).join(Lesson, Lesson.id == Quiz.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(_course_lessons(course_id), Quiz.archived.is_(False), Question.archived.is_(False))
        .order_by(Module.position, Lesson.position, Question.position))
    return {row[0]: QuestionInfo(*row) for row in rows}


@dataclass
class QuestionRow:
    info: QuestionInfo
    stats: stats.ItemStats


def question_rows(infos: dict[int, QuestionInfo], items: dict[int, stats.ItemStats]) -> list[QuestionRow]:
    """Answered questions, hardest first (lowest facility), then course order."""
    order = {qid: i for i, qid in enumerate(infos)}
    answered = [QuestionRow(infos[qid], s) for qid, s in items.items() if qid in infos and s.answered]
    answered.sort(key=lambda r: (r.stats.facility, order[r.info.id]))
    return answered


# --- articles ----------------------------------------------------------------------------------------------


@dataclass
class ArticleRow:
    stats: stats.ArticleStats

    @property
    def label(self) -> str:
        law = LAWS_BY_ID.get(self.stats.law_id) or LawName(self.stats.law_id, self.stats.law_id, self.stats.law_id)
        return CitationRef(law, self.stats.article_num).label()

    @property
    def href(self) -> str:
        return CitationRef(LAWS_BY_ID.get(self.stats.law_id) or LawName(self.stats.law_id, "", ""),
                           self.stats.article_num).href()


def question_citations(course_id: int) -> list[tuple[int, str, str]]:
    """(question id, law id, article num) for the course's questions, each pair once (one query)."""
    return [tuple(row) for row in db.session.execute(
        select(QuestionCitation.question_id, QuestionCitation.law_id, QuestionCitation.article_num).distinct()
        .join(Question, Question.id == QuestionCitation.question_id).join(Quiz, Quiz.id == Question.quiz_id)
        .join(Lesson, Lesson.id == Quiz.lesson_id).join(Module, Module.id == Lesson.module_id)
        .where(_course_lessons(course_id), Quiz.archived.is_(False), Question.archived.is_(False)))]


def weakest_articles(cohort: Cohort, items: dict[int, stats.ItemStats], limit: int | None = 10) -> list[ArticleRow]:
    """The articles cited by the questions the cohort gets wrong most often, on first answers (one query for
    the citations; the counts come from the item statistics)."""
    return [ArticleRow(s) for s in stats.articles_from_items(items, question_citations(cohort.course_id), limit)]


# --- charts ------------------------------------------------------------------------------------------------


def _local_day(column):
    """The calendar day of a stored (naive UTC) time where the cohort meets (BABEL_DEFAULT_TIMEZONE), in SQL: a
    lesson read at 08:00 in Tokyo is 23:00 UTC the day before. The zone's offset now is applied to every row,
    which is exact for Asia/Tokyo (no daylight saving time)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Tokyo")
    minutes = int(datetime.now(zone).utcoffset().total_seconds() // 60)
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(column + text(f"interval '{minutes} minutes'"))
    return func.date(column, f"{minutes:+d} minutes")


def daily_completions(cohort: Cohort) -> dict[date, int]:
    """Lessons read by the cohort's learners per local day (where the cohort meets), one query."""
    day = _local_day(LessonCompletion.completed_at)
    rows = db.session.execute(
        select(day, func.count()).join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(_course_lessons(cohort.course_id), LessonCompletion.user_id.in_(_learner_ids(cohort.id)))
        .group_by(day))
    out: dict[date, int] = {}
    for value, count in rows:
        if value is not None:
            out[value if isinstance(value, date) else date.fromisoformat(str(value)[:10])] = count
    return out


@dataclass
class Charts:
    progress: list[tuple[date, int]]
    progress_chart: stats.Chart
    scores: list[int]  # learners per 10-point band of their mean best score
    score_labels: list[str]
    score_chart: stats.Chart
    no_scores: int  # learners who have taken no quiz


def charts(cohort: Cohort, grid: Matrix, today: date) -> Charts:
    daily = daily_completions(cohort)
    first_day = min(daily, default=today)
    start = cohort.starts_on or first_day
    start = min(start, first_day)
    end = min(today, cohort.ends_on) if cohort.ends_on and cohort.ends_on >= start else today
    if (end - start).days > 7 * 104:  # at most two years of weeks
        start = end - timedelta(days=7 * 104)
    progress = stats.weekly_progress(daily, start, end, len(grid.rows) * grid.lessons)
    line = stats.line_chart([(d.strftime("%m/%d"), p) for d, p in progress])
    scores = [r.score for r in grid.rows if r.score is not None]
    counts = stats.histogram(scores)
    labels = [f"{10 * i}–{10 * i + 9 if i < 9 else 100}" for i in range(10)]
    return Charts(progress, line, counts, labels, stats.bar_chart(counts, labels), len(grid.rows) - len(scores))


# --- the review deck ---------------------------------------------------------------------------------------


@dataclass
class DeckItem:
    info: QuestionInfo
    stats: stats.ItemStats
    explanation_html: str = ""


def deck(cohort: Cohort, items: dict[int, stats.ItemStats], infos: dict[int, QuestionInfo],
         session: StudySession | None, learners: int) -> list[DeckItem]:
    """The questions this cohort most needs to discuss at the next meeting (one query for their explanations):
    those of the meeting's modules first, then the hardest."""
    priority_modules = {m.id for m in session.modules} if session else set()
    priority = {qid for qid, info in infos.items() if info.module_id in priority_modules}
    chosen = stats.deck_questions([s for qid, s in items.items() if qid in infos], priority,
                                  min_answered=min(2, max(1, learners)))
    explanations = {}
    if chosen:
        explanations = dict(db.session.execute(select(Question.id, Question.explanation_html)
                                               .where(Question.id.in_([s.question_id for s in chosen]))).all())
    return [DeckItem(infos[s.question_id], s, explanations.get(s.question_id, "")) for s in chosen]


# --- what a learner sees -----------------------------------------------------------------------------------


@dataclass
class Aggregates:
    learners: int
    median_percent: float | None
    module_percent: dict[int, int]  # module id → the cohort's average share of lessons read
    module_score: dict[int, int]  # module id → the cohort's mean best quiz score

    @property
    def shown(self) -> bool:
        return self.learners >= MIN_GROUP


def aggregates(cohort: Cohort, infos: list[ModuleInfo]) -> Aggregates:
    """The cohort's anonymous aggregates (three queries): median course progress and, per module, the average
    share of lessons read and the mean best quiz score. Never any one learner's numbers."""
    learners = _learner_ids(cohort.id)
    count = db.session.scalar(select(func.count(Membership.id)).where(
        Membership.cohort_id == cohort.id, Membership.role == "learner", Membership.left_at.is_(None))) or 0
    lessons = sum(m.lessons for m in infos)
    per_module: dict[int, int] = dict.fromkeys((m.id for m in infos), 0)
    per_learner: Counter = Counter()
    for user_id, module_id, n in db.session.execute(
            select(LessonCompletion.user_id, Lesson.module_id, func.count())
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id).join(Module, Module.id == Lesson.module_id)
            .where(_course_lessons(cohort.course_id), LessonCompletion.user_id.in_(learners))
            .group_by(LessonCompletion.user_id, Lesson.module_id)):
        per_learner[user_id] += n
        if module_id in per_module:
            per_module[module_id] += n
    percents = [stats.percent(per_learner.get(uid, 0), lessons) for uid in per_learner]
    percents += [0] * (count - len(per_learner))
    best = (select(Lesson.module_id.label("module_id"), func.max(Attempt.score).label("best"))
            .join(Quiz, Quiz.id == Attempt.quiz_id).join(Lesson, Lesson.id == Quiz.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(_course_lessons(cohort.course_id), Quiz.archived.is_(False), Attempt.submitted_at.is_not(None),
                   Attempt.user_id.in_(learners))
            .group_by(Attempt.user_id, Attempt.quiz_id, Lesson.module_id).subquery())
    scores = {module_id: round(float(avg)) for module_id, avg in db.session.execute(
        select(best.c.module_id, func.avg(best.c.best)).group_by(best.c.module_id)) if avg is not None}
    sizes = {m.id: m.lessons for m in infos}
    return Aggregates(
        learners=count,
        median_percent=stats.median(percents) if count else None,
        module_percent={mid: stats.percent(n, count * sizes[mid]) for mid, n in per_module.items()},
        module_score=scores)


def co_learners(cohort_id: int, user_id: int) -> tuple[list[str], int]:
    """The names of the other learners who show their name, and how many others hide it (one query)."""
    names, hidden = [], 0
    for name, hide in db.session.execute(
            select(User.display_name, Membership.hide_name).join(Membership, Membership.user_id == User.id)
            .where(Membership.cohort_id == cohort_id, Membership.role == "learner", Membership.left_at.is_(None),
                   Membership.user_id != user_id)
            .order_by(User.display_name, User.id)):
        if hide:
            hidden += 1
        else:
            names.append(name)
    return names, hidden


# --- caching the aggregates --------------------------------------------------------------------------------
#
# The matrix and the item statistics aggregate every first answer and completion of the cohort's learners: for
# 200 learners well into the course, ~50,000 answers, 0.2-0.3 s of database work per request (docs/benchmarks.md).
# They change only when a learner does something, so each worker keeps them per cohort together with an activity
# stamp (one cheap query over covering indexes) and recomputes them when the stamp changes: a submission, a
# regrade that changes a score, a lesson read, a learner joining or leaving or hiding their name. Changes the stamp
# cannot see (a question archived, a lesson unpublished, a learner renamed) show after COHORT_CACHE_SECONDS at
# most. COHORT_CACHE_SECONDS = 0 turns the cache off.

_CACHE: "OrderedDict[tuple[int, str], tuple[tuple, float, object]]" = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_ENTRIES = 32


def activity_stamp(cohort: Cohort) -> tuple:
    """What the cohort's learners have done so far, in one query that reads indexes only: their memberships,
    their submitted attempts (count, newest, and a checksum of scores that a regrade changes) and their lessons
    read. Equal stamps mean the matrix and the item statistics are the same."""
    learners = _learner_ids(cohort.id)
    members = (select(func.count(Membership.id), func.coalesce(func.sum(Membership.id), 0),
                      func.coalesce(func.sum(case((Membership.hide_name.is_(True), Membership.id), else_=0)), 0))
               .where(Membership.cohort_id == cohort.id, Membership.role == "learner", Membership.left_at.is_(None)))
    attempts = (select(func.count(Attempt.id), func.coalesce(func.max(Attempt.id), 0),
                       func.coalesce(func.sum(Attempt.id * func.coalesce(Attempt.score, 0)), 0))
                .where(Attempt.user_id.in_(learners), Attempt.submitted_at.is_not(None)))
    completions = (select(func.count(LessonCompletion.id), func.coalesce(func.max(LessonCompletion.id), 0))
                   .where(LessonCompletion.user_id.in_(learners)))
    m, a, c = members.subquery(), attempts.subquery(), completions.subquery()
    # Three one-row subqueries side by side (joined on true: there is nothing to join on).
    row = db.session.execute(select(*m.c, *a.c, *c.c).select_from(m.join(a, true()).join(c, true()))).one()
    return tuple(row)


def cached(cohort: Cohort, kind: str, compute):
    """`compute()`, or what it returned for this cohort before if the cohort's activity stamp is unchanged and the
    entry is younger than COHORT_CACHE_SECONDS. The stamp is read once per request."""
    seconds = current_app.config.get("COHORT_CACHE_SECONDS", 0)
    if not seconds:
        return compute()
    # Per request (the request's environ: `g` lives as long as the app context, which tests share across requests).
    stamps = request.environ.setdefault("jichiho.cohort_stamps", {}) if has_request_context() else {}
    if cohort.id not in stamps:
        stamps[cohort.id] = activity_stamp(cohort)
    stamp, key, now = stamps[cohort.id], (cohort.id, kind), time.monotonic()
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None and entry[0] == stamp and entry[1] > now:
            _CACHE.move_to_end(key)
            return entry[2]
    value = compute()
    with _CACHE_LOCK:
        _CACHE[key] = (stamp, now + seconds, value)
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_ENTRIES:
            _CACHE.popitem(last=False)
    return value


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
