"""Parsing and grading of answers. Pure: no Flask, no database, so it can be tested and reused anywhere.

Answers, once parsed, are in terms of the question's ORIGINAL data (the order in the content pack):

- single:    int, the index of the chosen choice in data["choices"]
- multiple:  sorted list of distinct ints, indices into data["choices"]
- truefalse: bool
- number:    decimal.Decimal (exact; never a float)
- order:     list of ints, the original item indices in the order the learner put them

Grading is all-or-nothing per question. The page posts DISPLAY positions (the shuffled order of the attempt),
never original indices, so that the markup does not reveal which choice an author wrote first (often the
right one) or the right order of an order question; `from_display` maps them back before parsing.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

QUESTION_TYPES = ("single", "multiple", "truefalse", "number", "order")
CHOICE_TYPES = ("single", "multiple", "order")  # the types whose options are shuffled per attempt

MAX_NUMBER_LENGTH = 40

# Thousands separators must group by three ("5,000", "1,234,567"); plain digits are always fine.
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)?(?:\.\d+)?$")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


class InvalidAnswer(ValueError):
    """An answer that cannot be read. `code` says why, for the caller to phrase for the learner:
    unanswered, not_a_choice, too_many, not_true_false, not_a_number, incomplete, duplicate, wrong_length,
    unknown_type."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Unanswered(InvalidAnswer):
    """Nothing was given. Callers usually count it as a wrong answer rather than refuse the submission."""

    def __init__(self, message: str = "No answer was given."):
        super().__init__("unanswered", message)


# --- reading the question's data -------------------------------------------------------------------------


def choices(data: dict) -> list[dict]:
    """The choices as dicts {text, correct, feedback}; a plain string is a wrong choice without feedback."""
    out = []
    for choice in data.get("choices") or []:
        if isinstance(choice, str):
            out.append({"text": choice, "correct": False, "feedback": ""})
        else:
            out.append({"text": str(choice.get("text", "")), "correct": choice.get("correct") is True,
                        "feedback": choice.get("feedback") or ""})
    return out


def option_count(qtype: str, data: dict) -> int:
    """How many options a question of a shuffled type has (choices, or items of an order question)."""
    if qtype in ("single", "multiple"):
        return len(data.get("choices") or [])
    if qtype == "order":
        return len(data.get("items") or [])
    return 0


def correct_answer(qtype: str, data: dict):
    """The answer key in the same shape parse_answer returns."""
    if qtype == "single":
        return next((i for i, c in enumerate(choices(data)) if c["correct"]), None)
    if qtype == "multiple":
        return [i for i, c in enumerate(choices(data)) if c["correct"]]
    if qtype == "truefalse":
        return data.get("answer") is True
    if qtype == "number":
        return to_decimal(data.get("answer"))
    if qtype == "order":
        return list(range(len(data.get("items") or [])))
    raise InvalidAnswer("unknown_type", f"Unknown question type {qtype!r}.")


# --- parsing ----------------------------------------------------------------------------------------------


def from_display(raw: Sequence[str], display_order: Sequence[int]) -> list[str]:
    """Map posted display positions to original indices (as strings). Blank values stay blank, so that
    parse_answer can tell 'unanswered' and 'incomplete' apart; a position not on the page is refused."""
    out = []
    for value in raw:
        value = (value or "").strip()
        if not value:
            out.append("")
            continue
        position = _index(value, len(display_order))
        out.append(str(display_order[position]))
    return out


def parse_answer(qtype: str, data: dict, raw: Sequence[str]):
    """Read the posted values of one question (original indices for choice types). Raises Unanswered when
    nothing was given and InvalidAnswer when what was given cannot be an answer to this question."""
    values = [(v or "").strip() for v in raw]
    given = [v for v in values if v]
    if qtype == "order":
        return _parse_order(data, values)
    if not given:
        raise Unanswered()
    if qtype == "single":
        if len(given) > 1:
            raise InvalidAnswer("too_many", "Only one choice may be chosen.")
        return _index(given[0], option_count(qtype, data))
    if qtype == "multiple":
        count = option_count(qtype, data)
        return sorted({_index(v, count) for v in given})
    if qtype == "truefalse":
        if len(given) > 1:
            raise InvalidAnswer("too_many", "Only one of true and false may be chosen.")
        word = given[0].casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise InvalidAnswer("not_true_false", f"{given[0]!r} is neither true nor false.")
    if qtype == "number":
        if len(given) > 1:
            raise InvalidAnswer("too_many", "Only one number may be given.")
        return parse_number(given[0], unit=data.get("unit") or "")
    raise InvalidAnswer("unknown_type", f"Unknown question type {qtype!r}.")


def _parse_order(data: dict, values: list[str]) -> list[int]:
    count = option_count("order", data)
    if not any(values):
        raise Unanswered()
    if len(values) != count:
        raise InvalidAnswer("wrong_length", f"Expected {count} positions, got {len(values)}.")
    if not all(values):
        raise InvalidAnswer("incomplete", "Every position needs an item.")
    order = [_index(v, count) for v in values]
    if len(set(order)) != len(order):
        raise InvalidAnswer("duplicate", "Each item may be placed only once.")
    return order


def _index(value: str, count: int) -> int:
    if not value.isascii() or not value.isdigit():
        raise InvalidAnswer("not_a_choice", f"{value!r} is not one of the choices.")
    index = int(value)
    if index >= count:
        raise InvalidAnswer("not_a_choice", f"{value!r} is not one of the choices.")
    return index


def parse_number(text: str, unit: str = "") -> Decimal:
    """'5000', '5,000', '５０００', '5000万円' (with the question's unit), '0.25', '-3' → an exact Decimal."""
    # NFKC folds full-width digits, commas, points and signs ('５，０００．５' → '5,000.5').
    value = unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-")
    folded_unit = unicodedata.normalize("NFKC", unit).strip()
    if folded_unit and value.endswith(folded_unit):
        value = value[: -len(folded_unit)].rstrip()
    if not value or len(value) > MAX_NUMBER_LENGTH or not _NUMBER_RE.match(value) or value in ("+", "-"):
        raise InvalidAnswer("not_a_number", f"{text!r} is not a number.")
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only valid literals
        raise InvalidAnswer("not_a_number", f"{text!r} is not a number.") from error


def to_decimal(value) -> Decimal | None:
    """An answer key or stored answer as a Decimal: ints and strings exactly, floats by their shortest repr
    (so 0.1 is 0.1, not 0.1000000000000000055…)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None


# --- grading ----------------------------------------------------------------------------------------------


def is_correct(qtype: str, data: dict, answer) -> bool:
    """All or nothing. `None` (unanswered) is never correct; nor is anything when the key itself is broken."""
    if answer is None:
        return False
    if qtype == "single":
        options = choices(data)
        return (isinstance(answer, int) and not isinstance(answer, bool)
                and 0 <= answer < len(options) and options[answer]["correct"])
    if qtype == "multiple":
        key = set(correct_answer(qtype, data))
        return bool(key) and isinstance(answer, list | tuple) and set(answer) == key and \
            len(answer) == len(set(answer))
    if qtype == "truefalse":
        return isinstance(answer, bool) and isinstance(data.get("answer"), bool) and answer is data["answer"]
    if qtype == "number":
        key, given = to_decimal(data.get("answer")), to_decimal(answer)
        return key is not None and given is not None and key.is_finite() and given == key
    if qtype == "order":
        return isinstance(answer, list | tuple) and list(answer) == correct_answer(qtype, data) and \
            len(answer) > 0
    return False


def score(results: Iterable[bool]) -> int:
    """The percentage of correct results, rounded half up (1 of 8 → 13, 2 of 3 → 67); 0 if there are none."""
    results = list(results)
    if not results:
        return 0
    correct = sum(1 for r in results if r)
    return (200 * correct + len(results)) // (2 * len(results))


def passed(score_percent: int, pass_mark: int) -> bool:
    return score_percent >= pass_mark


def to_json(qtype: str, answer):
    """A parsed answer as JSON can store it: Decimals become their exact plain string ('5000', '0.25')."""
    if answer is None:
        return None
    if qtype == "number":
        return format_decimal(answer)
    return answer


def format_decimal(value) -> str:
    """An exact plain-notation string without a trailing '.0' ('5E+3' → '5000', '2.50' → '2.5')."""
    number = to_decimal(value)
    if number is None:
        return ""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
