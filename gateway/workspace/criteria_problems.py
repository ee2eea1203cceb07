"""The problems the assessment service finds in a criteria-set document, said in Vietnamese.

The service lists every problem as one line, ``<where>: <what>`` (rules/criteria:
the schema's marshmallow messages, ``checks`` and ``rules``), so that an administrator sees every
mistake of an annex at once. The workspace shows them to people: the place stays as written
(it names the document's own keys and ids), the message is translated here. A line this
module does not know is shown as the service wrote it rather than hidden.
"""

from __future__ import annotations

import re

KIND = {"criteria": "các tiêu chí", "indicator": "các chỉ tiêu", "sub-item": "các nội dung thành phần"}
MODE = {"pass/fail": "đạt/không đạt", "points": "chấm điểm"}

# (pattern of the message, its Vietnamese; a function of the match when it has parts)
MESSAGES: list[tuple[re.Pattern, object]] = [(re.compile(p), v) for p, v in [
    # marshmallow (rules/criteria/schema.py)
    (r"^Missing data for required field\.$", "thiếu: trường này bắt buộc."),
    (r"^Unknown field\.$", "trường không có trong định dạng (viết sai tên?)."),
    (r"^Not a valid string\.$", "phải là chuỗi ký tự."),
    (r"^Not a valid integer\.$", "phải là số nguyên."),
    (r"^Not a valid boolean\.$", "phải là true hoặc false."),
    (r"^Not a valid list\.$", "phải là danh sách."),
    (r"^(Not a valid mapping type|Invalid input type)\.$", "phải là đối tượng JSON."),
    (r"^Field may not be null\.$", "không được để null."),
    (r"^Shorter than minimum length (\d+)\.$", lambda m: f"ngắn hơn {m[1]} phần tử hoặc ký tự."),
    (r"^Length must be .*$", "độ dài không hợp lệ."),
    (r"^String does not match expected pattern\.$", "sai định dạng."),
    (r"^Must be one of: (.*)\.$", lambda m: f"phải là một trong: {m[1]}."),
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
     lambda m: f"phải từ {m[1]} đến {m[2]}."),
    (r"^Must be greater than or equal to (\S+)\.$", lambda m: f"phải từ {m[1]} trở lên."),
    (r'^Write points as a string with at most two decimals, e\.g\. "12\.50"\.$',
     'ghi điểm là chuỗi có tối đa hai chữ số thập phân, ví dụ "12.50".'),
    # the service's own checks (criteria/checks.py, criteria_sets.py)
    (r"^not an object$", "không phải đối tượng JSON."),
    (r"^last_year is before first_year$", "năm cuối (last_year) trước năm đầu (first_year)."),
    (r"^the set says (\w+) but provisional items are: (.*)$",
     lambda m: f"bộ tiêu chí ghi provisional = {m[1]} nhưng các mục tạm thời là: "
               f"{'không có' if m[2] == 'nothing' else m[2]}."),
    (r"^the id is used more than once$", "mã này được dùng nhiều lần."),
    (r"^a criterion id looks like C1$", "mã tiêu chí có dạng C1."),
    (r"^an indicator id of (\S+) looks like (\S+)$",
     lambda m: f"mã chỉ tiêu của {m[1]} có dạng {m[2]}."),
    (r"^a sub-item id of (\S+) looks like (\S+)$",
     lambda m: f"mã nội dung thành phần của {m[1]} có dạng {m[2]}."),
    (r"^(\S+) is declared more than once$", lambda m: f"điều kiện {m[1]} được khai báo nhiều lần."),
    (r"^a pass/fail set has no total \(null\)$",
     "bộ tiêu chí đạt/không đạt không có tổng điểm (để null)."),
    (r"^a pass/fail set has no points \(null\)$",
     "bộ tiêu chí đạt/không đạt không có điểm (để null)."),
    (r"^a points set needs its total maximum$", "bộ tiêu chí chấm điểm cần tổng điểm tối đa."),
    (r"^a points set needs a maximum here$", "bộ tiêu chí chấm điểm cần điểm tối đa ở đây."),
    (r"^the (criteria|indicator|sub-item) maxima add up to (\S+), not (\S+)$",
     lambda m: f"điểm tối đa của {KIND[m[1]]} cộng lại là {m[2]}, không phải {m[3]}."),
    (r"^give either a rule or sub-items",
     "cần hoặc một quy tắc chấm (rule), hoặc các nội dung thành phần: không cả hai, không thiếu "
     "cả hai."),
    (r"^'(.+)' is not used in a (pass/fail|points) set$",
     lambda m: f"quy tắc '{m[1]}' không dùng trong bộ tiêu chí {MODE[m[2]]}."),
    (r"^must be '(.+)' in this set$", lambda m: f"phải là '{m[1]}' trong bộ tiêu chí này."),
    (r"^a penalty deducts from its indicator, so it must be a sub-item$",
     "quy tắc trừ điểm (penalty) trừ vào chỉ tiêu, nên phải là nội dung thành phần."),
    (r'^a penalty sub-item has max "0" and no not-arising rule$',
     'nội dung trừ điểm có max "0" và không có quy tắc "không phát sinh".'),
    (r"^a pass/fail set is recognised on its indicators$",
     "bộ tiêu chí đạt/không đạt được công nhận theo các chỉ tiêu: cần true."),
    (r"^a pass/fail set has no point thresholds$",
     "bộ tiêu chí đạt/không đạt không có ngưỡng điểm."),
    (r"^give either total_threshold or class_thresholds$",
     "cần total_threshold hoặc class_thresholds (chỉ một trong hai)."),
    (r"^(\S+) is above the total maximum$", lambda m: f"{m[1]} cao hơn tổng điểm tối đa."),
    (r'^a ratio above 0 and at most 1, e\.g\. "0\.50"$',
     'tỷ lệ lớn hơn 0 và không quá 1, ví dụ "0.50".'),
    (r"^only for a pass/fail set$", "chỉ dùng cho bộ tiêu chí đạt/không đạt."),
    (r"^at most 100$", "không quá 100."),
    (r"^'(.*)' is not one of (.*)$",
     lambda m: f"'{m[1]}' không phải một trong các bộ tiêu chí: {m[2]}."),
    (r"^overlaps (\S+)$", lambda m: f"trùng năm áp dụng với bộ tiêu chí {m[1]}: mỗi năm đánh "
                                    "giá chỉ theo một bộ tiêu chí."),
    # rule parameters (criteria/rules.py)
    (r"^unknown rule kind '(.*)'; known kinds are (.*)$",
     lambda m: f"không có loại quy tắc '{m[1]}'; các loại có: {m[2]}."),
    (r"^unknown parameter for a '(.*)' rule$", lambda m: f"quy tắc '{m[1]}' không có tham số này."),
    (r"^must name a figure in lower_snake_case$", "phải là tên số liệu viết thường_nối_gạch_dưới."),
    (r"^the numerator and the denominator must be different figures$",
     "tử số và mẫu số phải là hai số liệu khác nhau."),
    (r"^a banded rule needs a non-empty list of bands$",
     "quy tắc theo bậc (banded) cần danh sách bậc (bands) không rỗng."),
    (r"^a band has from_percent, points and optionally provisional, note$",
     "một bậc có from_percent, points và có thể có provisional, note."),
    (r"^a percentage between 0 and 100 as a string$", "tỷ lệ phần trăm từ 0 đến 100, ghi dạng chuỗi."),
    (r"^points between 0 and the item's maximum \((.*)\) as a string$",
     lambda m: f"điểm từ 0 đến điểm tối đa của mục ({m[1]}), ghi dạng chuỗi."),
    (r"^must be true or false$", "phải là true hoặc false."),
    (r"^bands must go from the highest rate down",
     "các bậc xếp từ tỷ lệ cao xuống thấp, bậc dưới không nhiều điểm hơn bậc trên."),
    (r"^a whole number of activities, at least 1$", "số hoạt động, số nguyên từ 1 trở lên."),
    (r"^a list of the activities' names$", "danh sách tên các hoạt động (chuỗi, không để trống)."),
    (r"^an activity is listed twice$", "một hoạt động được liệt kê hai lần."),
    (r"^(\S+) is not a day of the year$", lambda m: f"{m[1]} không phải một ngày trong năm (dd/mm; không dùng 29/02)."),
    (r"^the decision is due after the dossier$", "hạn quyết định công nhận phải sau hạn gửi hồ sơ."),
    (r"^(\S+) is declared more than once$", lambda m: f"{m[1]} được khai báo nhiều lần."),
    (r"^(\S+) is listed more than once$", lambda m: f"{m[1]} được liệt kê nhiều lần."),
    (r'^Write a day of the year as "dd/mm", e\.g\. "10/01"\.$', 'ghi ngày trong năm dạng "dd/mm", ví dụ "10/01".'),
    (r"^a pass/fail item has no points to give$", "mục đạt/không đạt không có điểm để cho."),
    (r"^points between 0 and (\S+) as a string$",
     lambda m: f"điểm từ 0 đến {m[1]}, ghi dạng chuỗi."),
    (r"^needed when a pass/fail rule reads a numerator and denominator$",
     "cần khi quy tắc đạt/không đạt đọc tử số và mẫu số."),
    (r"^a rate rule reads numerator/denominator, not figure$",
     "quy tắc tỷ lệ đọc numerator/denominator, không đọc figure."),
    (r'^the deduction, a positive number of points as a string \(e\.g\. "0\.25"\)$',
     'điểm trừ, số dương ghi dạng chuỗi (ví dụ "0.25").'),
]]


def in_vietnamese(line: str) -> str:
    """``"C1.I2.max: a points set needs a maximum here"`` → ``"C1.I2.max: bộ tiêu chí chấm
    điểm cần điểm tối đa ở đây."``; a message without its place is translated too; a line it
    does not know, unchanged."""
    said = _message(line)
    if said is not None:
        return said[0].upper() + said[1:]
    where, colon, what = line.partition(": ")
    said = _message(what) if colon else None
    return line if said is None else f"{where}: {said}"


def _message(what: str) -> str | None:
    for pattern, said in MESSAGES:
        found = pattern.search(what)
        if found:
            return said(found) if callable(said) else said
    return None
