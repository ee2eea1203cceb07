"""An indicator's form, generated from its criteria set: which figures it asks, what each
means, and the figures read back from the browser's fields into the API's ``figures`` body.

Nothing here scores: the points, pass/fail and every refusal come from the assessment
service (``score_figures``, ``record_figures``), whose problems — one per
figure path, in English — are worded here in Vietnamese for the field they concern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from werkzeug.datastructures import MultiDict

PREFIX = "fig_"
NOT_ARISING = "khong_phat_sinh"  # the whole indicator did not arise
NOT_ARISING_ITEMS = "khong_phat_sinh_noi_dung"  # the sub-items that did not
RATE_KINDS = ("proportional", "banded")
TEXT_KEYS = ("reason", "manual_points")


@dataclass
class Field:
    key: str  # the figure's name in the API
    kind: str  # count, flag, points, text, activities
    label: str
    hints: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)  # the activities the text lists

    @property
    def name(self) -> str:
        return PREFIX + self.key


@dataclass
class Item:
    """An indicator, or one of its sub-items (nội dung), with the fields it reads."""

    id: str
    name: str
    max: str | None
    rule_vi: str
    fields: list[Field]
    shared: list[str]  # figures of this item already asked by an earlier one
    not_arising: str | None
    requirement: str | None = None  # "mức độ đạt chuẩn" as the text words it
    wording_vi: str | None = None  # where the name comes from, when not the legal text
    note: str | None = None


def _points(value: str | None) -> str:
    return (value or "0").rstrip("0").rstrip(".") if "." in (value or "") else (value or "0")


def _is_rate(rule: dict) -> bool:
    return rule["kind"] in RATE_KINDS or (rule["kind"] == "pass_fail"
                                          and "min_percent" in rule["params"])


def _rule_vi(item: dict) -> str:
    """The scoring rule of the criteria data, said in Vietnamese."""
    rule, maximum = item["rule"], item.get("max")
    kind, params = rule["kind"], rule["params"]
    if kind == "proportional":
        return f"Điểm = tỷ lệ đạt được × {_points(maximum)} điểm tối đa (làm tròn 2 chữ số)."
    if kind == "banded":
        bands = "; ".join(f"từ {b['from_percent']}%: {_points(b['points'])} điểm"
                          for b in params["bands"])
        return f"Điểm theo mức tỷ lệ đạt được: {bands}; thấp hơn: 0 điểm."
    if kind == "pass_fail" and "min_percent" in params:
        return f"Đạt khi tỷ lệ đạt được từ {params['min_percent']}% trở lên."
    if kind == "pass_fail":
        return "Đạt khi trả lời “Có”."
    if kind == "fixed":
        return f"“Có”: {_points(maximum)} điểm; “Không”: 0 điểm."
    if kind == "penalty":
        return f"“Có”: trừ {_points(params['points'])} điểm; “Không”: không trừ."
    if kind == "count_at_least":
        text = f"Cần ít nhất {params['at_least']} hoạt động"
        if maximum is None:
            return text + " để đạt."
        if params.get("partial_per_activity"):
            return (text + f" để được {_points(maximum)} điểm; chưa đủ thì mỗi hoạt động "
                    f"{_points(params['partial_per_activity'])} điểm.")
        return text + f" để được {_points(maximum)} điểm."
    if kind == "manual":
        return (f"Xã tự chấm điểm (từ 0 đến {_points(maximum)}) và ghi rõ lý do, căn cứ; Hội "
                "đồng thẩm định lại.")
    return ""


def _fields(item: dict) -> list[Field]:
    rule = item["rule"]
    kind, params, name = rule["kind"], rule["params"], item["name"]
    if _is_rate(rule):
        numerator = params.get("numerator", "numerator")
        denominator = params.get("denominator", "denominator")
        zero = ""
        if item.get("not_arising"):
            zero = (" Bằng 0 (không phát sinh): " + ("đạt." if item.get("max") is None
                                                     else "được điểm tối đa."))
        return [Field(numerator, "count", "Số đã thực hiện đạt yêu cầu (tử số)",
                      [f"Trong tổng số ở ô dưới, số việc “{name}” đã làm đạt yêu cầu."]),
                Field(denominator, "count", "Tổng số phải thực hiện (mẫu số)",
                      [f"Tổng số việc “{name}” phát sinh trong năm đánh giá." + zero])]
    if kind in ("fixed", "pass_fail", "penalty"):
        key = params.get("figure", "achieved")
        return [Field(key, "flag", name, [])]
    if kind == "count_at_least" and params.get("activities"):
        return [Field("activities", "activities",
                      "Các hoạt động đã thực hiện (chọn trong danh sách)",
                      ["Hoạt động khác ghi ở ô dưới, mỗi dòng một hoạt động."],
                      options=list(params["activities"]))]
    if kind == "count_at_least":
        return [Field("activities", "activities",
                      "Các hoạt động đã thực hiện (mỗi dòng một hoạt động)",
                      ["Ghi tên từng hoạt động; hệ thống đếm số dòng."]),
                Field("count", "count", "Hoặc chỉ ghi số hoạt động",
                      ["Bỏ trống nếu đã liệt kê các hoạt động ở ô trên."])]
    if kind == "manual":
        return [Field("manual_points", "points", f"Điểm tự chấm (tối đa {_points(item['max'])})",
                      ["Số có tối đa hai chữ số thập phân, ví dụ 2.50."]),
                Field("reason", "text", "Lý do, căn cứ chấm điểm",
                      ["Nêu tài liệu, số liệu làm căn cứ."])]
    return []


# A survey-fed indicator's figures are counts of the survey's answers (criteria data ``survey``).
SURVEY_COUNT_LABELS = {
    ("satisfaction", "valid_answers"): "Số ý kiến hợp lệ của phiếu khảo sát",
    ("satisfaction", "satisfied"): "Số ý kiến “Hài lòng” và “Rất hài lòng”",
    ("dissemination_models", "valid_answers"): "Số ý kiến hợp lệ của phiếu lấy ý kiến (Mẫu 04)",
    ("dissemination_models", "satisfied"): "Số ý kiến đánh giá “Hiệu quả” và “Rất hiệu quả”",
}
SURVEY_HINT = ("Khi đợt khảo sát của xã kết thúc, số liệu này được lấy tự động từ kết quả và "
               "không nhập tay được nữa; chỉ nhập khi chưa có kết quả.")


def _survey_fields(fields_: list[Field], survey: dict | None) -> list[Field]:
    if not survey:
        return fields_
    for f in fields_:
        count = survey["figures"].get(f.key)
        if count is not None:
            f.label = SURVEY_COUNT_LABELS.get((survey["purpose"], count), f.label)
            f.hints = [SURVEY_HINT]
    return fields_


def items(indicator: dict) -> list[Item]:
    """The indicator's items in order; a figure two items read is asked once."""
    seen: set[str] = set()
    found = []
    for item in indicator.get("sub_items") or [indicator]:
        own, shared = [], []
        for f in _survey_fields(_fields(item), indicator.get("survey")):
            if f.key in seen:
                shared.append(f.key)
            else:
                own.append(f)
                seen.add(f.key)
        found.append(Item(item["id"], item["name"], item.get("max"), _rule_vi(item), own,
                          shared, item.get("not_arising"), item.get("requirement"),
                          wording_vi(item), item.get("note")))
    return found


WORDING_VI = {
    "secondary": "Tên lấy từ nguồn chưa chính thức (phần mềm đánh giá của một địa phương), "
                 "chưa đối chiếu văn bản chính thức.",
    "inferred": "Nội dung suy luận: nguồn không nêu tên nội dung này; tên hiển thị được suy ra, "
                "chờ văn bản chính thức.",
}


def wording_vi(item: dict) -> str | None:
    """Said beside a criterion, indicator or content whose name is not the legal text's."""
    return WORDING_VI.get(item.get("wording") or "")


def find_indicator(criteria_set: dict, indicator_id: str) -> tuple[dict, dict] | None:
    for criterion in criteria_set["criteria"]:
        for indicator in criterion["indicators"]:
            if indicator["id"] == indicator_id:
                return criterion, indicator
    return None


def indicators(criteria_set: dict) -> list[tuple[dict, dict]]:
    return [(c, i) for c in criteria_set["criteria"] for i in c["indicators"]]


# -- the browser's fields to the API's figures, and back -------------------------------------
def read(form: MultiDict) -> dict:
    """``{"figures": …}`` as the API takes it: counts as whole numbers, yes/no as true or
    false, activities as a list of lines; blanks left out (the service says what is missing)
    and anything else passed on as typed (the service says why it is not a figure)."""
    if form.get(NOT_ARISING):
        return {"not_arising": True}
    figures: dict = {}
    for name, value in form.items(multi=True):
        if not name.startswith(PREFIX):
            continue
        key, text = name[len(PREFIX):], (value or "").strip()
        if not text:
            continue
        if key == "activities":  # ticked boxes and typed lines together
            figures.setdefault(key, []).extend(line.strip() for line in text.splitlines() if line.strip())
        elif key in TEXT_KEYS:
            figures[key] = text
        elif text in ("true", "false"):
            figures[key] = text == "true"
        elif text.isdigit():
            figures[key] = int(text)
        else:
            figures[key] = text
    sub_items = form.getlist(NOT_ARISING_ITEMS)
    if sub_items:
        figures["not_arising"] = sub_items
    return figures


def values(figures: dict | None) -> dict:
    """The recorded figures as the form's fields."""
    shown: dict = {}
    for key, value in (figures or {}).items():
        if key == "not_arising":
            if value is True:
                shown[NOT_ARISING] = "1"
            elif isinstance(value, list):
                shown[NOT_ARISING_ITEMS] = list(value)
        elif isinstance(value, bool):
            shown[PREFIX + key] = "true" if value else "false"
        elif isinstance(value, list):
            shown[PREFIX + key] = "\n".join(str(v) for v in value)
        else:
            shown[PREFIX + key] = str(value)
    return shown


_PROBLEMS = [
    (r"must be a whole number, not .*", "Nhập một số nguyên (0, 1, 2, …)."),
    (r"cannot be negative", "Không được là số âm."),
    (r"must be true or false, not .*", "Chọn “Có” hoặc “Không”."),
    (r"(\d+) is more than \w+ \((\d+)\)",
     "Số {0} lớn hơn tổng số ({1}): số đạt yêu cầu không được lớn hơn tổng số."),
    (r"missing(?: \(or give .*\))?", "Chưa nhập số liệu này."),
    (r"give either not_arising or the figures, not both",
     "Đã chọn “không phát sinh” thì không nhập số liệu."),
    (r"give either .* not both", "Chỉ nhập một trong hai: danh sách hoạt động hoặc số hoạt động."),
    (r"is 0, and .* has no not-arising rule.*",
     "Tổng số bằng 0 nhưng chỉ tiêu này không có quy định “không phát sinh”: hãy nhập số liệu "
     "thực tế."),
    (r"unknown figure.*", "Số liệu không thuộc chỉ tiêu này."),
    (r".* has no not-arising rule; enter its figures",
     "Chỉ tiêu này không có quy định “không phát sinh”: hãy nhập số liệu."),
    (r"must be a list of the activities' descriptions", "Ghi mỗi hoạt động trên một dòng."),
    (r"lists the same activity twice", "Có hoạt động được ghi hai lần."),
    (r"points entered by hand need a written reason", "Điểm tự chấm cần ghi lý do, căn cứ."),
    (r"(?:not a number with at most two decimals|points must be a string.*)",
     "Điểm là một số có tối đa hai chữ số thập phân, ví dụ 2.50."),
    (r"\S+ is outside 0-(\S+)", "Điểm phải từ 0 đến {0}."),
    (r".*is not a sub-item of .*", "Nội dung không thuộc chỉ tiêu này."),
    (r".*has no not-arising rule", "Nội dung này không có quy định “không phát sinh”."),
    (r"must be true or .*", "Lựa chọn “không phát sinh” không hợp lệ."),
]


def problem_errors(problems: list[str], indicator_id: str, keys: set[str]) -> dict:
    """The service's problems with an indicator's figures (``C2.I2.issued: missing``) as the
    form's errors, each under its field (the whole form when it names none)."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        path, _, message = str(problem).partition(": ")
        key = path.rsplit(".", 1)[-1] if path.startswith(indicator_id + ".") else ""
        name = (NOT_ARISING if key == "not_arising" else PREFIX + key if key in keys
                else "_form")
        text = next((vi.format(*match.groups()) for pattern, vi in _PROBLEMS
                     if (match := re.fullmatch(pattern, message.strip()))), None)
        if text is None:
            text = "Số liệu chưa hợp lệ: hãy kiểm tra lại các ô đã nhập."
        if text not in errors.get(name, []):
            errors.setdefault(name, []).append(text)
    return errors


def gap(score: dict) -> str | None:
    """The points an indicator's score lacks of its maximum (the service's two-decimal
    strings, subtracted as decimals), None at the maximum or when it is pass/fail."""
    if score.get("points") is None or not score.get("max"):
        return None
    missing = Decimal(score["max"]) - Decimal(score["points"])
    return format(missing, "f") if missing > 0 else None


def keys_of(found: list[Item]) -> set[str]:
    return {f.key for item in found for f in item.fields}
