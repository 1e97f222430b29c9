"""Small text helpers used in templates and services."""


def article_label(num: str) -> str:
    """'234_3' → '第234条の3'; '別表第三' stays as it is."""
    if not num or not num[0].isdigit():
        return num
    head, *branches = num.split("_")
    return f"第{head}条" + "".join(f"の{b}" for b in branches)
