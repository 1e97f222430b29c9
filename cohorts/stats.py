"""Cohort statistics as pure functions: no Flask, no database.

The review page gets its numbers from SQL aggregates (`cohorts/review.py`) and finishes them here; the
reference implementations (`item_stats`, `weakest_articles`) compute the same numbers from individual first
answers, so that tests can check the SQL against hand-computed values.

Definitions (classical item analysis, adapted to learners who answer different questions):

- A learner's **first answers** are the responses of their first submitted attempt of each quiz (earliest
  submission, then lowest attempt id). Retakes come after the explanations were shown, so only first answers
  measure understanding. (A question added to a quiz after a learner's first attempt has no first answer from
  them.)
- **Facility index** of a question: the share of first answers that are correct (0–1; high = easy).
- A learner's **total score**: the share of all their first answers, across the course, that are correct.
- **Thirds**: the learners with at least one first answer, ranked by total score (ties by user id); with n of
  them, the lower third is the first ⌊n/3⌋ and the upper third the last ⌊n/3⌋ (fewer than three learners: no
  thirds).
- **Discrimination index** of a question: the facility among upper-third learners who answered it minus the
  facility among lower-third learners who answered it (−1–1; a good question is answered better by stronger
  learners; below 0.2 is worth a look, negative is suspect). Undefined when either third has no answer.
- **Most-chosen wrong answer**: among wrong first answers (blank answers excluded), the answer given most
  often; ties go to the answer that sorts first.
- **Weakest articles**: for each article cited by a question (a question citing an article twice counts once),
  the number of wrong first answers to the questions citing it; ranked by that count, then by miss rate.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# --- small helpers -----------------------------------------------------------------------------------------


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def percent(part: float, whole: float) -> int:
    """A whole percentage, rounded half up (so 2 of 8 → 25, 1 of 8 → 13); 0 when there is nothing."""
    if not whole:
        return 0
    return int(math.floor(100 * part / whole + 0.5))


def round_half_up(value: float | None, digits: int = 2) -> float | None:
    if value is None:
        return None
    factor = 10**digits
    return math.floor(value * factor + 0.5) / factor


# --- first answers, facility, discrimination ---------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One response as the statistics need it. `order` sorts a learner's attempts of a quiz (submission time,
    attempt id); `answer` is any hashable form of what was answered (None for a blank answer)."""

    user_id: int
    quiz_id: int
    question_id: int
    order: tuple
    correct: bool
    answer: Hashable | None = None


def first_answers(answers: Iterable[Answer]) -> list[Answer]:
    """The answers of each learner's first attempt of each quiz."""
    answers = list(answers)
    first: dict[tuple[int, int], tuple] = {}
    for a in answers:
        key = (a.user_id, a.quiz_id)
        if key not in first or a.order < first[key]:
            first[key] = a.order
    return [a for a in answers if a.order == first[(a.user_id, a.quiz_id)]]


def learner_totals(firsts: Iterable[Answer]) -> dict[int, float]:
    """{user id: share of their first answers that are correct}."""
    right: Counter = Counter()
    answered: Counter = Counter()
    for a in firsts:
        answered[a.user_id] += 1
        right[a.user_id] += a.correct
    return {user: right[user] / answered[user] for user in answered}


def thirds(totals: Mapping[int, float]) -> tuple[set[int], set[int]]:
    """(lower third, upper third) of the learners ranked by total score, ties by user id."""
    ranked = sorted(totals, key=lambda user: (totals[user], user))
    k = len(ranked) // 3
    if k == 0:
        return set(), set()
    return set(ranked[:k]), set(ranked[-k:])


def facility(correct: int, answered: int) -> float | None:
    return correct / answered if answered else None


def discrimination(upper_correct: int, upper_n: int, lower_correct: int, lower_n: int) -> float | None:
    if not upper_n or not lower_n:
        return None
    return upper_correct / upper_n - lower_correct / lower_n


@dataclass
class ItemStats:
    question_id: int
    answered: int = 0
    correct: int = 0
    upper_n: int = 0
    upper_correct: int = 0
    lower_n: int = 0
    lower_correct: int = 0
    wrong_answer: str | None = None  # the most-chosen wrong answer, as shown to people
    wrong_count: int = 0

    @property
    def facility(self) -> float | None:
        return facility(self.correct, self.answered)

    @property
    def discrimination(self) -> float | None:
        return discrimination(self.upper_correct, self.upper_n, self.lower_correct, self.lower_n)


LOWER, MIDDLE, UPPER = "lower", "middle", "upper"


def item_stats(firsts: Sequence[Answer]) -> dict[int, ItemStats]:
    """Reference implementation: facility and discrimination per question from first answers."""
    lower, upper = thirds(learner_totals(firsts))
    rows: Counter = Counter()
    right: Counter = Counter()
    for a in firsts:
        tier = LOWER if a.user_id in lower else UPPER if a.user_id in upper else MIDDLE
        rows[a.question_id, tier] += 1
        right[a.question_id, tier] += a.correct
    return item_stats_from_groups((qid, tier, n, right[qid, tier]) for (qid, tier), n in rows.items())


def item_stats_from_groups(groups: Iterable[tuple[int, str, int, int]]) -> dict[int, ItemStats]:
    """ItemStats from (question id, tier, answered, correct) rows, as the SQL aggregate returns them (several
    rows may share a question and tier)."""
    out: dict[int, ItemStats] = {}
    for qid, tier, n, correct in groups:
        s = out.setdefault(qid, ItemStats(qid))
        s.answered += int(n)
        s.correct += int(correct or 0)
        if tier == UPPER:
            s.upper_n += int(n)
            s.upper_correct += int(correct or 0)
        elif tier == LOWER:
            s.lower_n += int(n)
            s.lower_correct += int(correct or 0)
    return out


def most_chosen_wrong(counts: Mapping[str, int]) -> tuple[str, int] | None:
    """The wrong answer given most often (ties: the one that sorts first), or None."""
    if not counts:
        return None
    label = min(counts, key=lambda k: (-counts[k], k))
    return label, counts[label]


def wrong_answer_counts(firsts: Iterable[Answer]) -> dict[int, Counter]:
    """{question id: Counter of wrong, non-blank first answers} (reference implementation)."""
    out: dict[int, Counter] = defaultdict(Counter)
    for a in firsts:
        if not a.correct and a.answer is not None:
            out[a.question_id][a.answer] += 1
    return dict(out)


# --- articles ----------------------------------------------------------------------------------------------


@dataclass
class ArticleStats:
    law_id: str
    article_num: str
    missed: int
    answered: int
    questions: int

    @property
    def miss_rate(self) -> float:
        return self.missed / self.answered if self.answered else 0.0


def rank_articles(stats: Iterable[ArticleStats], limit: int | None = 10) -> list[ArticleStats]:
    ranked = sorted((s for s in stats if s.missed > 0),
                    key=lambda s: (-s.missed, -s.miss_rate, s.law_id, s.article_num))
    return ranked[:limit] if limit is not None else ranked


def articles_from_items(items: Mapping[int, ItemStats], citations: Iterable[tuple[int, str, str]],
                        limit: int | None = 10) -> list[ArticleStats]:
    """Weakest articles from per-question totals and (question id, law id, article num) citation rows: what the
    review page does, with the same result as `weakest_articles`."""
    missed: Counter = Counter()
    answered: Counter = Counter()
    questions: dict[tuple[str, str], set[int]] = defaultdict(set)
    for qid, law_id, article_num in set(citations):
        s = items.get(qid)
        if s is None or not s.answered:
            continue
        article = (law_id, article_num)
        answered[article] += s.answered
        missed[article] += s.answered - s.correct
        questions[article].add(qid)
    return rank_articles((ArticleStats(law, num, missed[(law, num)], answered[(law, num)],
                                       len(questions[(law, num)])) for law, num in answered), limit)


def weakest_articles(firsts: Iterable[Answer], citations: Mapping[int, Iterable[tuple[str, str]]],
                     limit: int | None = 10) -> list[ArticleStats]:
    """Reference implementation: the articles cited by the questions the cohort misses most often."""
    missed: Counter = Counter()
    answered: Counter = Counter()
    questions: dict[tuple[str, str], set[int]] = defaultdict(set)
    for a in firsts:
        for article in set(citations.get(a.question_id, ())):
            answered[article] += 1
            missed[article] += not a.correct
            questions[article].add(a.question_id)
    return rank_articles((ArticleStats(law, num, missed[(law, num)], answered[(law, num)],
                                       len(questions[(law, num)])) for law, num in answered), limit)


# --- learners ----------------------------------------------------------------------------------------------


def idle_days(last_activity: datetime | None, now: datetime) -> int | None:
    if last_activity is None:
        return None
    return max(0, (now - last_activity).days)


def is_stalled(last_activity: datetime | None, finished: bool, now: datetime, stall_days: int) -> bool:
    """Started, not finished, and nothing done for `stall_days` days or more."""
    days = idle_days(last_activity, now)
    return days is not None and not finished and days >= stall_days


def sort_key(value):
    """A key that sorts None last in ascending order, whatever the type of the other values."""
    return (value is None, value if value is not None else 0)


# --- the review deck ---------------------------------------------------------------------------------------


def deck_questions(items: Iterable[ItemStats], priority: set[int] = frozenset(), limit: int = 8,
                   min_answered: int = 2, below: float = 0.7) -> list[ItemStats]:
    """The questions to discuss: answered by at least `min_answered` learners with a facility below `below`;
    questions in `priority` (the next meeting's modules) first, then the hardest, then the most answered."""
    candidates = [s for s in items if s.answered >= min_answered and (s.facility or 0) < below]
    candidates.sort(key=lambda s: (s.question_id not in priority, s.facility or 0, -s.answered, s.question_id))
    return candidates[:limit]


# --- charts ------------------------------------------------------------------------------------------------


def histogram(values: Iterable[float], bins: int = 10, top: float = 100) -> list[int]:
    """Counts in `bins` equal bins over 0–top; the top value falls in the last bin."""
    counts = [0] * bins
    for value in values:
        index = min(bins - 1, max(0, int(value * bins // top)))
        counts[index] += 1
    return counts


def weekly_progress(daily: Mapping[date, int], start: date, end: date, denominator: int,
                    before_start: int = 0) -> list[tuple[date, int]]:
    """Cumulative progress in percent at the end of each week from `start` to `end` (inclusive, at least one
    point): `daily` holds completions per day, `before_start` those before `start`, `denominator` the number
    of completions that would be 100% (learners × lessons)."""
    if end < start:
        end = start
    total = before_start + sum(n for day, n in daily.items() if day < start)
    points = []
    day = start
    cursor = start
    while True:
        week_end = min(day + timedelta(days=6), end)
        while cursor <= week_end:
            total += daily.get(cursor, 0)
            cursor += timedelta(days=1)
        points.append((week_end, min(100, percent(total, denominator))))
        if week_end >= end:
            return points
        day = week_end + timedelta(days=1)


@dataclass
class Chart:
    """Geometry of an SVG chart, computed here so that templates only print numbers."""

    width: int
    height: int
    left: int
    bottom: int  # y of the x axis
    top: int
    right: int
    y_ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, label)
    x_labels: list[tuple[float, str]] = field(default_factory=list)  # (x, label)
    bars: list[tuple[float, float, float, float, int]] = field(default_factory=list)  # x, y, w, h, value
    points: list[tuple[float, float, int]] = field(default_factory=list)  # x, y, value

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


def _frame(width: int, height: int, y_max: int, y_step: int, suffix: str = "") -> Chart:
    chart = Chart(width=width, height=height, left=44, bottom=height - 36, top=12, right=width - 12)
    plot = chart.bottom - chart.top
    for value in range(0, y_max + 1, y_step):
        chart.y_ticks.append((chart.bottom - plot * value / y_max, f"{value}{suffix}"))
    return chart


def line_chart(points: Sequence[tuple[str, int]], width: int = 640, height: int = 240,
               max_labels: int = 8) -> Chart:
    """A line of percentages (0–100) with one label per point (only every few shown when there are many)."""
    chart = _frame(width, height, 100, 25, "%")
    span = chart.right - chart.left
    step = span / (len(points) - 1) if len(points) > 1 else 0
    every = max(1, math.ceil(len(points) / max_labels))
    for i, (label, value) in enumerate(points):
        x = chart.left + (step * i if len(points) > 1 else span / 2)
        y = chart.bottom - (chart.bottom - chart.top) * min(100, max(0, value)) / 100
        chart.points.append((x, y, value))
        if i % every == 0 or i == len(points) - 1:
            chart.x_labels.append((x, label))
    return chart


def bar_chart(counts: Sequence[int], labels: Sequence[str], width: int = 640, height: int = 240) -> Chart:
    """Vertical bars, one per count, the y axis in whole steps up to a round maximum."""
    peak = max(counts, default=0)
    step = max(1, math.ceil(peak / 4)) if peak else 1
    y_max = step * max(1, math.ceil(peak / step)) if peak else 4
    chart = _frame(width, height, y_max, step)
    slot = (chart.right - chart.left) / max(1, len(counts))
    plot = chart.bottom - chart.top
    for i, (count, label) in enumerate(zip(counts, labels, strict=True)):
        h = plot * count / y_max
        x = chart.left + slot * i + slot * 0.1
        chart.bars.append((x, chart.bottom - h, slot * 0.8, h, count))
        chart.x_labels.append((chart.left + slot * i + slot / 2, label))
    return chart
