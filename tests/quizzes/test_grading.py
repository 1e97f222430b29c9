"""quizzes.grading is pure: these tests need no app and no database."""

from decimal import Decimal

import pytest

from quizzes import grading
from quizzes.grading import InvalidAnswer, Unanswered, is_correct, parse_answer

SINGLE = {"choices": [{"text": "a", "correct": False, "feedback": "no"},
                      {"text": "b", "correct": True, "feedback": ""},
                      {"text": "c", "correct": False, "feedback": ""}]}
MULTIPLE = {"choices": [{"text": "a", "correct": True}, {"text": "b", "correct": False},
                        {"text": "c", "correct": True}, {"text": "d", "correct": False}]}
TRUEFALSE = {"answer": False}
NUMBER = {"answer": 5000, "unit": "万円"}
ORDER = {"items": ["first", "second", "third", "fourth"]}


def grade(qtype, data, raw):
    return is_correct(qtype, data, parse_answer(qtype, data, raw))


def invalid_code(qtype, data, raw):
    with pytest.raises(InvalidAnswer) as info:
        parse_answer(qtype, data, raw)
    return info.value.code


# --- single -----------------------------------------------------------------------------------------------


def test_single_parses_one_index_and_grades_it():
    assert parse_answer("single", SINGLE, ["1"]) == 1
    assert grade("single", SINGLE, ["1"]) is True
    assert grade("single", SINGLE, ["0"]) is False
    assert grade("single", SINGLE, [" 2 "]) is False


@pytest.mark.parametrize("raw", [[], [""], ["  "]])
def test_single_empty_is_unanswered(raw):
    with pytest.raises(Unanswered) as info:
        parse_answer("single", SINGLE, raw)
    assert info.value.code == "unanswered"
    assert isinstance(info.value, InvalidAnswer)


@pytest.mark.parametrize("raw", [["3"], ["-1"], ["x"], ["1.0"], ["１"], ["99999999999999999999"]])
def test_single_out_of_range_or_not_an_index(raw):
    assert invalid_code("single", SINGLE, raw) == "not_a_choice"


def test_single_refuses_two_choices():
    assert invalid_code("single", SINGLE, ["0", "1"]) == "too_many"


def test_single_accepts_plain_string_choices_as_wrong_ones():
    data = {"choices": [{"text": "right", "correct": True}, "wrong", "also wrong"]}
    assert grade("single", data, ["0"]) is True
    assert grade("single", data, ["1"]) is False
    assert grading.choices(data)[1] == {"text": "wrong", "correct": False, "feedback": ""}


def test_correct_flag_must_be_true_not_truthy():
    data = {"choices": [{"text": "a", "correct": "yes"}, {"text": "b", "correct": True}]}
    assert grade("single", data, ["0"]) is False
    assert grade("single", data, ["1"]) is True


# --- multiple ---------------------------------------------------------------------------------------------


def test_multiple_is_a_sorted_set_and_all_or_nothing():
    assert parse_answer("multiple", MULTIPLE, ["2", "0"]) == [0, 2]
    assert parse_answer("multiple", MULTIPLE, ["2", "0", "2"]) == [0, 2]  # a repeated box counts once
    assert grade("multiple", MULTIPLE, ["2", "0"]) is True
    assert grade("multiple", MULTIPLE, ["0"]) is False  # a subset is wrong
    assert grade("multiple", MULTIPLE, ["0", "1", "2"]) is False  # a superset is wrong
    assert grade("multiple", MULTIPLE, ["0", "1", "2", "3"]) is False  # ticking everything is wrong


def test_multiple_empty_and_out_of_range():
    with pytest.raises(Unanswered):
        parse_answer("multiple", MULTIPLE, ["", ""])
    assert invalid_code("multiple", MULTIPLE, ["0", "4"]) == "not_a_choice"


def test_multiple_is_never_right_without_a_key():
    data = {"choices": [{"text": "a"}, {"text": "b"}]}
    assert is_correct("multiple", data, []) is False
    assert is_correct("multiple", data, [0]) is False


def test_multiple_refuses_duplicates_in_a_given_answer():
    assert is_correct("multiple", MULTIPLE, [0, 2]) is True
    assert is_correct("multiple", MULTIPLE, [0, 0, 2]) is False


# --- truefalse --------------------------------------------------------------------------------------------


def test_truefalse():
    assert parse_answer("truefalse", TRUEFALSE, ["false"]) is False
    assert parse_answer("truefalse", TRUEFALSE, ["TRUE"]) is True
    assert grade("truefalse", TRUEFALSE, ["false"]) is True
    assert grade("truefalse", TRUEFALSE, ["true"]) is False
    assert grade("truefalse", {"answer": True}, ["true"]) is True


def test_truefalse_invalid_and_empty():
    assert invalid_code("truefalse", TRUEFALSE, ["maybe"]) == "not_true_false"
    assert invalid_code("truefalse", TRUEFALSE, ["true", "false"]) == "too_many"
    with pytest.raises(Unanswered):
        parse_answer("truefalse", TRUEFALSE, [])


def test_truefalse_needs_real_bools():
    assert is_correct("truefalse", {"answer": 0}, False) is False  # a broken key is never matched
    assert is_correct("truefalse", TRUEFALSE, 0) is False


# --- number -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "5000", "5,000", "５０００", "５，０００", " 5000 ", "5000.0", "5000.00", "+5000", "5000万円",
    "5000 万円", "５０００万円", "5,000万円",
])
def test_number_accepts_the_ways_people_write_it(text):
    assert grade("number", NUMBER, [text]) is True


@pytest.mark.parametrize("text", ["4999", "5001", "5000.01", "50000", "500", "-5000"])
def test_number_wrong_values(text):
    assert grade("number", NUMBER, [text]) is False


@pytest.mark.parametrize("text", [
    "abc", "5000円", "5千", "5,00", "50,00", "1,2345", "5..0", "5.", "1e3", "NaN", "Infinity", "--5", "+",
    "-", ".", "5 000", "0x10", "1" * 41, "万円",
])
def test_number_refuses_what_is_not_a_number(text):
    assert invalid_code("number", NUMBER, [text]) == "not_a_number"


def test_number_is_exact_with_decimals():
    data = {"answer": 0.3}  # stored as a float in JSON
    assert parse_answer("number", data, ["0.3"]) == Decimal("0.3")
    assert grade("number", data, ["0.3"]) is True
    assert grade("number", data, ["０．３"]) is True
    assert grade("number", data, [".3"]) is True
    assert grade("number", data, ["0.30000000000000004"]) is False  # no float fuzz either way
    assert grade("number", {"answer": "1234567.891"}, ["1,234,567.891"]) is True
    assert grade("number", {"answer": -2.5}, ["−2.5"]) is True  # the minus sign U+2212
    assert grade("number", {"answer": -2.5}, ["－２．５"]) is True  # full-width


def test_number_empty_and_many():
    with pytest.raises(Unanswered):
        parse_answer("number", NUMBER, ["   "])
    assert invalid_code("number", NUMBER, ["1", "2"]) == "too_many"


def test_number_without_a_usable_key_is_never_right():
    assert is_correct("number", {"answer": None}, Decimal("0")) is False
    assert is_correct("number", {"answer": "NaN"}, Decimal("NaN")) is False
    assert is_correct("number", {"answer": True}, Decimal("1")) is False


def test_number_json_round_trip():
    answer = parse_answer("number", NUMBER, ["5,000.50"])
    stored = grading.to_json("number", answer)
    assert stored == "5000.5"
    assert is_correct("number", {"answer": 5000.5}, stored) is True
    assert grading.format_decimal(Decimal("5E+3")) == "5000"
    assert grading.format_decimal(Decimal("-0.0")) == "0"
    assert grading.format_decimal(12) == "12"


# --- order ------------------------------------------------------------------------------------------------


def test_order_right_only_in_the_right_order():
    assert parse_answer("order", ORDER, ["0", "1", "2", "3"]) == [0, 1, 2, 3]
    assert grade("order", ORDER, ["0", "1", "2", "3"]) is True
    assert grade("order", ORDER, ["1", "0", "2", "3"]) is False
    assert grade("order", ORDER, ["3", "2", "1", "0"]) is False


def test_order_duplicates_incomplete_and_length():
    assert invalid_code("order", ORDER, ["0", "0", "2", "3"]) == "duplicate"
    assert invalid_code("order", ORDER, ["0", "1", "", "3"]) == "incomplete"
    assert invalid_code("order", ORDER, ["0", "1", "2"]) == "wrong_length"
    assert invalid_code("order", ORDER, ["0", "1", "2", "3", "0"]) == "wrong_length"
    assert invalid_code("order", ORDER, ["0", "1", "2", "4"]) == "not_a_choice"
    with pytest.raises(Unanswered):
        parse_answer("order", ORDER, ["", "", "", ""])
    with pytest.raises(Unanswered):
        parse_answer("order", ORDER, [])


def test_order_given_as_list_must_match_exactly():
    assert is_correct("order", ORDER, [0, 1, 2, 3]) is True
    assert is_correct("order", ORDER, [0, 1, 2]) is False
    assert is_correct("order", {"items": []}, []) is False


# --- display positions ------------------------------------------------------------------------------------


def test_from_display_maps_positions_to_original_indices():
    display_order = [2, 0, 3, 1]  # position 0 shows original item 2, …
    assert grading.from_display(["0", "1", "2", "3"], display_order) == ["2", "0", "3", "1"]
    assert grading.from_display(["3", "", " 1 "], display_order) == ["1", "", "0"]
    with pytest.raises(InvalidAnswer) as info:
        grading.from_display(["4"], display_order)
    assert info.value.code == "not_a_choice"
    with pytest.raises(InvalidAnswer):
        grading.from_display(["-1"], display_order)


def test_order_through_display_positions():
    display_order = [2, 0, 3, 1]
    raw = ["1", "3", "0", "2"]  # the learner picks original 0, 1, 2, 3 by their positions on the page
    assert grade("order", ORDER, grading.from_display(raw, display_order)) is True


# --- keys, unknown types, scores --------------------------------------------------------------------------


def test_correct_answer_in_parsed_shape():
    assert grading.correct_answer("single", SINGLE) == 1
    assert grading.correct_answer("multiple", MULTIPLE) == [0, 2]
    assert grading.correct_answer("truefalse", TRUEFALSE) is False
    assert grading.correct_answer("number", NUMBER) == Decimal(5000)
    assert grading.correct_answer("order", ORDER) == [0, 1, 2, 3]


def test_unknown_type():
    assert invalid_code("essay", {}, ["x"]) == "unknown_type"
    assert is_correct("essay", {}, "x") is False


def test_unanswered_is_never_correct():
    for qtype, data in (("single", SINGLE), ("multiple", MULTIPLE), ("truefalse", TRUEFALSE),
                        ("number", NUMBER), ("order", ORDER)):
        assert is_correct(qtype, data, None) is False


def test_bool_is_not_an_index():
    assert is_correct("single", {"choices": [{"text": "a"}, {"text": "b", "correct": True}]}, True) is False


@pytest.mark.parametrize(("results", "expected"), [
    ([], 0), ([True], 100), ([False], 0), ([True, False], 50), ([True, False, False], 33),
    ([True, True, False], 67), ([True] + [False] * 7, 13),  # 12.5 rounds half up
    ([True] * 7 + [False], 88),  # 87.5 → 88
    ([True] * 5 + [False] * 3, 63),  # 62.5 → 63 (banker's rounding would give 62)
    ([True] * 4 + [False] * 4, 50), ([True] * 199 + [False], 100),  # 99.5 → 100
    ([True] + [False] * 199, 1),  # 0.5 → 1
])
def test_score_rounds_half_up(results, expected):
    assert grading.score(results) == expected


def test_passed_is_at_or_above_the_mark():
    assert grading.passed(80, 80) is True
    assert grading.passed(79, 80) is False
    assert grading.passed(0, 0) is True
    assert grading.passed(100, 100) is True
