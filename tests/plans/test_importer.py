"""Each real seed imports into the structure its text describes, and nothing is dropped."""

import io
from pathlib import Path

import pytest
from docx import Document

from services.plans import agencies, timeframes
from services.plans.importer import import_plan, source_lines

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "plans"  # copies of ../shared/seeds
SEED_PROVINCES = {"lai-chau-2021-plan.md": "12", "bim-son-2020-plan.md": "38",
                  "ben-tre-2020-plan.txt": "83", "bac-lieu-2023-directive.txt": "95"}


def seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def imported(name: str) -> dict:
    return import_plan(seed(name), name, SEED_PROVINCES[name])


def task(plan: dict, number: str) -> dict:
    return next(t for t in plan["tasks"] if t["number"] == number)


def ids(agency_list) -> list[str]:
    return [a["id"].split(":", 1)[1] for a in agency_list]


@pytest.mark.parametrize("name", sorted(SEED_PROVINCES))
def test_every_non_empty_line_is_used_or_reported(name):
    plan = imported(name)
    lines = source_lines(seed(name))
    non_empty = {n for n, line in enumerate(lines, start=1) if line.strip()}
    used = set(plan["review"]["used_lines"])
    unparsed = {u["line"] for u in plan["review"]["unparsed"]}
    assert used | unparsed == non_empty
    assert not used & unparsed
    assert all(u["text"] == lines[u["line"] - 1].strip() for u in plan["review"]["unparsed"])
    assert all(u["reason"] != "not read" for u in plan["review"]["unparsed"])


def test_lai_chau_plan():
    plan = imported("lai-chau-2021-plan.md")
    assert plan["kind"] == "plan"
    assert plan["issuer"] == "ỦY BAN NHÂN DÂN TỈNH LAI CHÂU"
    assert plan["number"] is None and plan["date"] is None and plan["year"] == 2021
    assert {i["kind"] for i in plan["review"]["issues"]} == {"number_missing", "date_missing"}
    assert plan["title"].startswith("Triển khai thực hiện Quyết định số 25/2021/QĐ-TTg")
    assert plan["legal_basis"][0].startswith("Thực hiện Quyết định số 25/2021/QĐ-TTg")
    assert len(plan["purpose"]) == 3 and len(plan["requirements"]) == 1
    assert [t["number"] for t in plan["tasks"]] == [
        "1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "3.3", "4.1", "4.2", "5.1", "5.2", "6.1", "6.2",
        "7.1", "7.2"]
    assert [s["number"] for s in plan["sections"]] == ["1", "2", "3", "4", "5", "6", "7"]
    assert plan["funding"][0].startswith("Kinh phí thực hiện")  # "8. Kinh phí" is no task
    assert len(plan["organisation"]) == 5
    assert plan["signer"]["name"] == "Tổng Thanh Hải"
    assert plan["review"]["unparsed"] == []

    first = task(plan, "1.1")
    assert ids(first["lead_agencies"]) == ["so-tu-phap", "phong-tu-phap-cap-huyen"]
    assert first["timeframe"] == {"text": "Quý IV năm 2021", "kind": "quarters", "year": 2021,
                                  "quarters": [4]}
    assert first["due_dates"] == ["2021-12-31"]
    assert first["outputs"] == "Kế hoạch của UBND tỉnh, UBND các huyện, thành phố."
    media = task(plan, "2.1")  # "Cơ quan thực hiện" / "Cơ quan phối hợp"
    assert ids(media["lead_agencies"]) == ["so-tu-phap"]
    assert ids(media["coordinating_agencies"]) == [
        "so-tttt", "bao-lai-chau", "dai-ptth-tinh", "cong-ttdt-tinh", "lien-quan"]
    assert media["timeframe"]["kind"] == "from" and media["timeframe"]["start"] == "2021-07-01"
    assert media["due_dates"] == []
    same_department = task(plan, "2.2")  # "Sở Thông tin - Truyền thông" is the same department
    assert "so-tttt" in ids(same_department["coordinating_agencies"])
    yearly = task(plan, "1.2")
    assert yearly["timeframe"]["kind"] == "yearly"
    assert plan["first_year"] == 2021 and plan["last_year"] == 2025
    assert yearly["due_dates"] == [f"{y}-12-31" for y in range(2021, 2026)]
    composite = task(plan, "3.3")
    assert composite["timeframe"]["kind"] == "composite"
    assert [p["kind"] for p in composite["timeframe"]["parts"]] == ["as_guided", "from"]
    assert composite["due_dates"][0] == "2022-12-31"
    assert task(plan, "3.2")["outputs"] == "Sổ tay, cẩm nang."  # label "Sản phẩm"
    guided = task(plan, "4.1")
    assert guided["timeframe"]["kind"] == "as_guided" and guided["due_dates"] == []
    assert guided["timeframe"]["guided_by"] == "Bộ Tư pháp"
    assert task(plan, "5.2")["timeframe"]["years"] == [2022, 2023, 2024, 2025]
    assert task(plan, "6.2")["timeframe"]["kind"] == "occasional"
    evaluation = task(plan, "7.1")
    assert ids(evaluation["coordinating_agencies"]) == ["so-nganh-tinh", "ubnd-cap-xa"]


def test_ben_tre_plan_with_hard_wrapped_lines():
    plan = imported("ben-tre-2020-plan.txt")
    assert (plan["issuer"], plan["number"], plan["date"], plan["place"]) == (
        "ỦY BAN NHÂN DÂN TỈNH BẾN TRE", "6134/KH-UBND", "2020-11-17", "Bến Tre")
    assert plan["title"] == "THỰC HIỆN QUYẾT ĐỊNH SỐ 1521/QĐ-TTG NGÀY 06/10/2020 CỦA THỦ TƯỚNG CHÍNH PHỦ"
    assert len(plan["purpose"]) == 3
    numbers = [t["number"] for t in plan["tasks"]]
    assert len(numbers) == 33
    assert numbers[:9] == ["1.a", "1.b", "2.a", "2.b", "2.c", "2.d", "2.đ", "2.e", "2.e.2"]
    assert plan["review"]["unparsed"] == []
    assert [(i["kind"], i["task"]) for i in plan["review"]["issues"]] == [("agency_levels_assumed", "8.c")]
    assert ids(task(plan, "8.c")["lead_agencies"]) == ["so-nganh-tinh", "ubnd-cap-huyen", "ubnd-cap-xa"]
    assert plan["signer"]["on_behalf"] == [{"mark": "KT.", "of": "CHỦ TỊCH"}]
    assert plan["signer"]["position"] == "PHÓ CHỦ TỊCH"
    # "9.a" wraps its first word alone ("Các" / "cơ quan, ..."): the title stays the title.
    assert task(plan, "9.a")["title"] == "Tăng cường công tác kiểm tra, sơ kết, tổng kết công tác PBGDPL"
    assert task(plan, "1.a")["timeframe"]["text"] == "Hoàn thành trong Quý IV năm 2020"
    assert task(plan, "1.a")["due_dates"] == ["2020-12-31"]
    assert ids(task(plan, "1.b")["lead_agencies"]) == [  # "các tổ chức" is no verb
        "mttq-tinh", "to-chuc-thanh-vien-mttq", "toa-an-tinh", "vks-tinh",
        "to-chuc-xa-hoi-nghe-nghiep", "hiep-hoi-doanh-nghiep"]
    finance = task(plan, "4.c")  # "Sở Tài chính chủ trì, phối hợp với Sở Tư pháp ..."
    assert ids(finance["lead_agencies"]) == ["so-tai-chinh"]
    assert ids(finance["coordinating_agencies"]) == ["so-tu-phap", "lien-quan"]
    # An item with two activities, each with its own timeframe; the second keeps the lead.
    assert task(plan, "2.e")["timeframe"]["kind"] == "yearly"
    second = task(plan, "2.e.2")
    assert second["timeframe"] == {"text": "Theo hướng dẫn Trung ương", "kind": "as_guided",
                                   "guided_by": "Trung ương"}
    assert ids(second["lead_agencies"]) == ["so-ldtbxh"]
    army = task(plan, "5.b.2")
    assert ids(army["lead_agencies"]) == ["bchqs-tinh"]
    assert task(plan, "8.a")["due_dates"] == ["2021-06-30"]
    assert task(plan, "6.b")["timeframe"]["years"] == [2021, 2022]
    assert task(plan, "7.b")["timeframe"]["kind"] == "yearly"  # "Thời" / "gian" across lines
    assert plan["last_year"] == 2022
    assert len(plan["footnotes"]) == 4 and plan["signer"]["name"] == "Nguyễn Văn Đức"
    assert len(plan["recipients"]) == 11


def test_bim_son_plan_items_without_fields():
    plan = imported("bim-son-2020-plan.md")
    assert plan["issuer"] == "UBND thị xã Bỉm Sơn" and plan["year"] == 2020
    assert [t["number"] for t in plan["tasks"]] == ["1", "2", "3", "4"]
    # The item broken across an empty line keeps its second half.
    assert task(plan, "2")["description"][0].startswith("hiện chưa nghiêm túc")
    reporting = task(plan, "4")
    assert reporting["timeframe"]["kind"] == "date" and reporting["due_dates"] == ["2021-01-05"]
    assert ids(reporting["lead_agencies"]) == ["ubnd-cap-xa"]  # "UBND thị xã đề nghị UBND các xã"
    assert plan["deadlines"] == [{"text": "trước ngày 05/01/2021", "line": 30, "date": "2021-01-05"}]
    missing = {(i["kind"], i["task"]) for i in plan["review"]["issues"]}
    assert {("lead_missing", "1"), ("timeframe_missing", "1"), ("number_missing", None),
            ("date_missing", None), ("signer_position_missing", None)} <= missing
    assert plan["signer"]["name"] == "Mai Đình Lâm"


def test_bac_lieu_directive_and_web_page_chrome_reported():
    plan = imported("bac-lieu-2023-directive.txt")
    assert plan["kind"] == "directive"
    assert (plan["number"], plan["date"], plan["year"]) == ("512/UBND-NC", "2023-02-22", 2023)
    assert plan["issuer"] == "Chủ tịch Ủy ban nhân dân tỉnh Bạc Liêu"
    assert [ids(t["lead_agencies"]) for t in plan["tasks"]] == [
        ["so-tu-phap"],
        ["so-noi-vu", "thanh-tra-tinh", "cong-an-tinh", "van-phong-ubnd-tinh", "so-vhttdl"],
        ["so-nnptnt"], ["mttq-tinh"], ["ubnd-cap-huyen"]]
    assert len(task(plan, "5")["description"]) == 9
    unparsed = {u["line"]: u["text"] for u in plan["review"]["unparsed"]}
    assert unparsed[5] == "Màu chữ Cỡ chữ" and unparsed[46] == "Số lượt xem: 102"
    assert min(unparsed) == 1 and all(n < 8 or n > 40 for n in unparsed)
    assert {i["kind"] for i in plan["review"]["issues"]} >= {"timeframe_missing"}


def _docx_from(text: str) -> bytes:
    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["ben-tre-2020-plan.txt", "lai-chau-2021-plan.md"])
def test_docx_imports_the_same(name):
    from_text = imported(name)
    from_docx = import_plan(_docx_from(seed(name)), name.rsplit(".", 1)[0] + ".docx",
                            SEED_PROVINCES[name])
    assert from_docx == from_text


def test_docx_task_table():
    document = Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Xây dựng cấp xã đạt chuẩn tiếp cận pháp luật năm 2022")
    document.add_paragraph("II. NỘI DUNG")
    table = document.add_table(rows=3, cols=6)
    rows = [("STT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện",
             "Sản phẩm"),
            ("1", "Ban hành kế hoạch", "Sở Tư pháp", "UBND cấp huyện", "Quý I/2022", "Kế hoạch"),
            ("2", "Đánh giá, công nhận", "UBND cấp huyện", "Phòng Tư pháp", "trước ngày 10/02/2023",
             "Quyết định công nhận")]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    plan = import_plan(buffer.getvalue(), "plan.docx", "12")
    assert [t["number"] for t in plan["tasks"]] == ["1", "2"]
    assert plan["year"] == 2022
    assert ids(plan["tasks"][0]["lead_agencies"]) == ["so-tu-phap"]
    assert plan["tasks"][0]["due_dates"] == ["2022-03-31"]
    assert plan["tasks"][1]["due_dates"] == ["2023-02-10"]
    assert plan["tasks"][1]["outputs"] == "Quyết định công nhận"


@pytest.mark.parametrize("text, kind, dues", [
    ("Quý III, Quý IV/2021", "quarters", ["2021-12-31"]),
    ("Quý I/2021", "quarters", ["2021-03-31"]),
    ("Năm 2021", "years", ["2021-12-31"]),
    ("Hằng năm", "yearly", ["2021-12-31", "2022-12-31"]),
    ("Từ quý III năm 2021", "from", []),
    ("trước ngày 20/02/2022", "date", ["2022-02-20"]),
    ("gửi kế hoạch trước 31/01/2021", "date", ["2021-01-31"]),
    ("Theo hướng dẫn của Bộ Tư pháp", "as_guided", []),
    ("Sớm nhất có thể", "unknown", []),
])
def test_timeframes(text, kind, dues):
    parsed = timeframes.parse(text, 2021)
    assert parsed["kind"] == kind
    assert timeframes.due_dates(parsed, 2021, 2022) == dues


def test_agency_abbreviations():
    found, _ = agencies.find("12", "UBND tỉnh, HĐND tỉnh, Ủy ban MTTQ Việt Nam tỉnh")
    assert [a.id.split(":")[1] for a in found] == ["ubnd-tinh", "hdnd-tinh", "mttq-tinh"]
    matched, unmatched = agencies.match_list("12", "Sở Tư pháp; Hội Nông dân tỉnh")
    assert ids(matched) == ["so-tu-phap"] and unmatched == ["Hội Nông dân tỉnh"]
    # A name left over beside a known one is a doubt too, not dropped.
    matched, unmatched = agencies.match_list("12", "Sở Tư pháp, Hội Nông dân tỉnh")
    assert ids(matched) == ["so-tu-phap"] and unmatched == ["Sở Tư pháp, Hội Nông dân tỉnh"]


# -- what officials write: tricky lines ---------------------------------------------------------
PLAN_2021 = """ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH THANH HÓA | Độc lập - Tự do - Hạnh phúc
Số: 215/KH-UBND{gap}Thanh Hóa, ngày 25 tháng 12 năm 2020

KẾ HOẠCH
{title}

Thực hiện Quyết định số 25/2021/QĐ-TTg ngày 22/7/2021 của Thủ tướng Chính phủ, UBND tỉnh ban hành Kế hoạch như sau:

II. NHIỆM VỤ

1. Ban hành kế hoạch, báo cáo kết quả quý và năm.
- Đơn vị chủ trì: UBND các huyện, thị xã, thành phố; UBND các xã, phường, thị trấn.
- Thời gian thực hiện: Quý I và cả năm 2021.

2. Rà soát, đánh giá các tiêu chí.
- Đơn vị chủ trì: Sở Tư pháp.
- Thời gian thực hiện: QuýI năm 2021.

3. Hướng dẫn nghiệp vụ.
- Đơn vị chủ trì: Ủy ban nhân dân cấp huyện, cấp xã.
- Thời gian thực hiện: Theo quy định.

4. Tập huấn.
- Đơn vị chủ trì: Sở Tư pháp.
- Thời gian thực hiện: Theo hướng dẫn của Sở Tư pháp, trong Quý  II/2021.

Nơi nhận:
- Như trên;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

LÊ ĐỨC GIANG
"""


def tricky(title="Xây dựng xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật năm 2021", gap="      "):
    return import_plan(PLAN_2021.format(title=title, gap=gap), "thanh-hoa.txt", "38")


def doubts(plan) -> set:
    return {(i["kind"], i["task"]) for i in plan["review"]["issues"]}


def test_number_place_and_date_on_one_line_and_the_year_the_plan_is_for():
    plan = tricky()
    assert (plan["issuer"], plan["number"], plan["place"], plan["date"]) == (
        "ỦY BAN NHÂN DÂN TỈNH THANH HÓA", "215/KH-UBND", "Thanh Hóa", "2020-12-25")
    # Signed in December 2020, for 2021 as its title says: no doubt, the title names it.
    assert (plan["year"], plan["year_source"], plan["first_year"]) == (2021, "title", 2021)
    assert not {k for k, _ in doubts(plan)} & {"number_missing", "date_missing", "year_inferred"}
    tabbed = tricky(gap="\t")
    assert (tabbed["number"], tabbed["place"]) == ("215/KH-UBND", "Thanh Hóa")


def test_year_read_from_the_tasks_is_a_doubt():
    plan = tricky(title="Xây dựng xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật")
    assert (plan["year"], plan["year_source"]) == (2021, "tasks")
    assert ("year_inferred", None) in doubts(plan)


@pytest.mark.parametrize("header, number, place, date", [
    ("Số: /KH-UBND    Lai Châu, ngày    tháng    năm 2021", None, "Lai Châu", None),
    ("Số: 12 /KH-UBND\nHà Nội, ngày 05/01/2022", "12/KH-UBND", "Hà Nội", "2022-01-05"),
    ("Số: 12/KH-UBND\n\nBến Tre,\nngày 17 tháng 11 năm 2020", "12/KH-UBND", "Bến Tre", "2020-11-17"),
])
def test_header_forms(header, number, place, date):
    plan = import_plan(f"{header}\n\nKẾ HOẠCH\nNăm 2022\n\nII. NHIỆM VỤ\n1. Một việc.\n", "h.txt", "12")
    assert (plan["number"], plan["place"], plan["date"]) == (number, place, date)
    assert (("number_missing", None) in doubts(plan)) == (number is None)
    assert (("date_missing", None) in doubts(plan)) == (date is None)


def test_signers_block():
    copied = import_plan(PLAN_2021.format(title="Năm 2021", gap="  ").replace(
        "PHÓ CHỦ TỊCH\n", "PHÓ CHỦ TỊCH\n(Đã ký)\n"), "copy.txt", "38")
    assert (copied["signer"]["name"], copied["signer"]["position"]) == ("Lê Đức Giang", "PHÓ CHỦ TỊCH")
    unaddressed = import_plan(PLAN_2021.format(title="Năm 2021", gap="  ").replace(
        "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n", ""), "no-recipients.txt", "38")
    assert unaddressed["signer"]["name"] == "Lê Đức Giang" and len(unaddressed["tasks"]) == 4
    signer = tricky()["signer"]
    assert signer["titles"] == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert signer["on_behalf"] == [{"mark": "TM.", "of": "ỦY BAN NHÂN DÂN"}, {"mark": "KT.", "of": "CHỦ TỊCH"}]
    assert (signer["position"], signer["name"]) == ("PHÓ CHỦ TỊCH", "Lê Đức Giang")


def test_several_periods_levels_and_undated_forms():
    plan = tricky()
    both = task(plan, "1")
    assert both["due_dates"] == ["2021-03-31", "2021-12-31"]  # the quarter and the whole year
    assert ids(both["lead_agencies"]) == ["ubnd-cap-huyen", "ubnd-cap-xa"]
    assert task(plan, "2")["due_dates"] == ["2021-03-31"]  # "QuýI"
    levels = task(plan, "3")
    assert ids(levels["lead_agencies"]) == ["ubnd-cap-huyen", "ubnd-cap-xa"]
    assert levels["timeframe"] == {"text": "Theo quy định", "kind": "as_required"}
    assert levels["due_dates"] == []
    guided_and_dated = task(plan, "4")
    assert guided_and_dated["due_dates"] == ["2021-06-30"] and guided_and_dated["timeframe"]["ambiguous"]
    assert {d for d in doubts(plan) if d[1]} == {("timeframe_ambiguous", "4")}


@pytest.mark.parametrize("text, kind, dues", [
    ("Quý I và cả năm 2021", "composite", ["2021-03-31", "2021-12-31"]),
    ("6 tháng đầu năm và cả năm 2021", "composite", ["2021-06-30", "2021-12-31"]),
    ("QuýI/2021", "quarters", ["2021-03-31"]),
    ("Quý  II năm 2021", "quarters", ["2021-06-30"]),
    ("Quý I, II năm 2021", "quarters", ["2021-06-30"]),
    ("Theo quy định", "as_required", []),
    ("Khi có yêu cầu", "as_required", []),
    ("Theo hướng dẫn của Sở Tư pháp", "as_guided", []),
    ("Theo chỉ đạo của UBND tỉnh", "as_guided", []),
    ("Quyết định năm 2021", "years", ["2021-12-31"]),  # "Quyết" is no quarter
    ("Quý IV/2021 và Quý I/2022", "composite", ["2021-12-31", "2022-03-31"]),  # each its year
    ("Tháng 3/2021", "date", ["2021-03-31"]),
    ("Trước ngày 15/11 hằng năm", "yearly", ["2021-11-15", "2022-11-15"]),
    ("Quý I hằng năm", "yearly", ["2021-03-31", "2022-03-31"]),
    ("Năm 2021 và các năm tiếp theo", "from", ["2021-12-31", "2022-12-31"]),
    ("Trước ngày 15/12", "date", ["2021-12-15"]),  # the plan's year
    ("Giai đoạn 2021 - 2022", "years", ["2021-12-31", "2022-12-31"]),
])
def test_timeframes_officials_write(text, kind, dues):
    parsed = timeframes.parse(text, 2021)
    assert parsed["kind"] == kind and not parsed.get("ambiguous")
    assert timeframes.due_dates(parsed, 2021, 2022) == dues


@pytest.mark.parametrize("text, expected", [
    ("UBND các huyện, thị xã, thành phố; UBND các xã, phường, thị trấn", ["ubnd-cap-huyen", "ubnd-cap-xa"]),
    ("UBND các huyện, thị xã, thành phố và các xã, phường, thị trấn", ["ubnd-cap-huyen", "ubnd-cap-xa"]),
    ("Chủ tịch UBND huyện, xã", ["ubnd-cap-huyen", "ubnd-cap-xa"]),
    ("UBND các xã, phường, thị trấn", ["ubnd-cap-xa"]),
    ("UBND thị xã Bỉm Sơn", ["ubnd-tx-bim-son"]),  # one committee by name
    ("Sở Tư pháp, UBND cấp huyện và các cơ quan, đơn vị có liên quan", ["so-tu-phap", "ubnd-cap-huyen", "lien-quan"]),
    ("Hội đồng phối hợp PBGDPL tỉnh, huyện", ["hdph-pbgdpl-tinh", "hdph-pbgdpl-cap-huyen"]),
])
def test_committees_of_several_levels(text, expected):
    matched, unmatched = agencies.match_list("38", text)
    assert ids(matched) == expected and unmatched == []


DECISION = """ỦY BAN NHÂN DÂN
TỈNH LAI CHÂU
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 2105/QĐ-UBND
Lai Châu, ngày 30 tháng 12 năm 2020

QUYẾT ĐỊNH
Ban hành Kế hoạch xây dựng xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật năm 2021

Điều 1. Ban hành kèm theo Quyết định này Kế hoạch xây dựng xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật năm 2021.

Nơi nhận:
- Như Điều 2;
- Lưu: VT.

KT. CHỦ TỊCH PHÓ CHỦ TỊCH

Tống Thanh Hải

KẾ HOẠCH
(Ban hành kèm theo Quyết định số 2105/QĐ-UBND ngày 30/12/2020 của Chủ tịch UBND tỉnh)
Xây dựng xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật năm 2021

II. NHIỆM VỤ
1. Báo cáo kết quả.
- Cơ quan chủ trì: UBND các huyện, thành phố; UBND các xã, phường, thị trấn.
- Thời gian thực hiện: Quý I và cả năm 2021.
"""


def test_a_plan_issued_by_a_decision_signed_the_year_before():
    plan = import_plan(DECISION, "qd.txt", "12")
    assert (plan["issuer"], plan["number"], plan["date"]) == (
        "ỦY BAN NHÂN DÂN TỈNH LAI CHÂU", "2105/QĐ-UBND", "2020-12-30")
    assert plan["decision"][0] == "QUYẾT ĐỊNH" and len(plan["decision"]) == 3  # never the issuer
    assert plan["references"] == ["Ban hành kèm theo Quyết định số 2105/QĐ-UBND ngày 30/12/2020 "
                                  "của Chủ tịch UBND tỉnh"]
    assert plan["title"] == "Xây dựng xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật năm 2021"
    assert (plan["year"], plan["year_source"]) == (2021, "title")
    signer = plan["signer"]  # the decision's signer, "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" on one line
    assert (signer["on_behalf"], signer["position"], signer["name"]) == (
        [{"mark": "KT.", "of": "CHỦ TỊCH"}], "PHÓ CHỦ TỊCH", "Tống Thanh Hải")
    assert plan["recipients"] == ["Như Điều 2", "Lưu: VT"]
    assert plan["tasks"][0]["due_dates"] == ["2021-03-31", "2021-12-31"]
    assert plan["review"]["issues"] == [] and plan["review"]["unparsed"] == []


def test_docx_header_table_number_and_date_in_one_row():
    document = Document()
    header = document.add_table(rows=2, cols=2)
    cells = [("ỦY BAN NHÂN DÂN\nTỈNH THANH HÓA\n-------",
              "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"),
             ("Số: 215/KH-UBND", "Thanh Hóa, ngày 25 tháng 12 năm 2020")]
    for row, values in zip(header.rows, cells, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    for line in ("KẾ HOẠCH", "Xây dựng xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật năm 2021",
                 "II. NHIỆM VỤ", "1. Báo cáo.", "- Đơn vị chủ trì: Sở Tư pháp.",
                 "- Thời gian thực hiện: Quý  II/2021."):
        document.add_paragraph(line)
    signature = document.add_table(rows=1, cols=2).rows[0].cells  # recipients | signer
    signature[0].text = "Nơi nhận:\n- Như trên;\n- Lưu: VT."
    signature[1].text = "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nLê Đức Giang"
    buffer = io.BytesIO()
    document.save(buffer)
    plan = import_plan(buffer.getvalue(), "ke-hoach.docx", "38")
    assert (plan["issuer"], plan["number"], plan["place"], plan["date"], plan["year"]) == (
        "ỦY BAN NHÂN DÂN TỈNH THANH HÓA", "215/KH-UBND", "Thanh Hóa", "2020-12-25", 2021)
    assert plan["tasks"][0]["due_dates"] == ["2021-06-30"]
    assert (plan["signer"]["position"], plan["signer"]["name"]) == ("PHÓ CHỦ TỊCH", "Lê Đức Giang")
    assert plan["recipients"] == ["Như trên", "Lưu: VT"] and plan["review"]["unparsed"] == []


def test_signed_in_december_with_no_year_named_is_asked_not_guessed():
    text = PLAN_2021.format(title="Xây dựng xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật",
                            gap="  ").replace("Quý I và cả năm 2021", "Quý I").replace(
        "QuýI năm 2021", "Hằng năm").replace("trong Quý  II/2021", "trong Quý II")
    plan = import_plan(text, "no-year.txt", "38")
    assert (plan["year"], plan["year_source"]) == (2020, "date")
    assert ("year_inferred", None) in doubts(plan)
    # "Quý I" of 2020 is due before a plan signed on 25/12/2020: said, not kept silently.
    assert task(plan, "1")["due_dates"] == ["2020-03-31"]
    assert ("due_before_date", "1") in doubts(plan)
