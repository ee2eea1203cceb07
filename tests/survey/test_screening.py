"""Given/When/Then: personal data in Vietnamese free text is found and replaced."""

import unicodedata

import pytest

from services.survey.screening import redact, refusal


@pytest.mark.parametrize("text, shown", [
    # names: a family name and capitalised syllables, or a title and a name
    ("Cán bộ Nguyễn Văn An rất nhiệt tình", "Cán bộ [họ tên] rất nhiệt tình"),
    ("Cảm ơn chị Lan ở bộ phận một cửa", "Cảm ơn chị [họ tên] ở bộ phận một cửa"),
    ("Anh Tuấn hướng dẫn chu đáo", "Anh [họ tên] hướng dẫn chu đáo"),
    ("tôi là trần thị bích", "tôi là [họ tên]"),
    ("Đồng chí Phạm Thị Thu Hà tiếp dân", "Đồng chí [họ tên] tiếp dân"),
    ("ông Lê Lợi phòng tư pháp", "ông [họ tên] phòng tư pháp"),
    # addresses: a house number or a place word, and the parts after it
    ("Nhà tôi ở số 12 ngõ 34 phố Huế, Hai Bà Trưng, đi lại xa",
     "Nhà tôi ở [địa chỉ], đi lại xa"),
    ("tôi ở thôn 3, xã Lai Uyên, huyện Bàu Bàng", "tôi ở [địa chỉ]"),
    ("số nhà 5A, tổ 12, khu phố 2", "[địa chỉ]"),
    ("ấp Bình Hòa", "[địa chỉ]"),
    # phones: mobile and landline forms, and any number after a phone word
    ("gọi (024) 3825 1234 giờ hành chính", "gọi [số điện thoại] giờ hành chính"),
    ("sđt: 3825 1234", "sđt: [số điện thoại]"),
    ("+84 912 345 678", "[số điện thoại]"),
    ("091.234.5678", "[số điện thoại]"),
    # identity numbers and email addresses
    ("CCCD 001234567890", "CCCD [số giấy tờ]"),
    ("số CMND là 123 456 789", "số CMND là [số giấy tờ]"),
    ("email an.nguyen@example.vn", "email [email]"),
])
def test_personal_data_is_replaced(text, shown):
    assert redact(text)[0] == shown


@pytest.mark.parametrize("text", [
    "Trần nhà bị dột, đường xá xuống cấp, UBND xã phục vụ tốt",
    "quầy số 2 phục vụ nhanh, ngày 12/6/2025 tôi đến lúc 9 giờ",
    "Ông/Bà cán bộ Tư pháp rất tốt",
    "lệ phí 150.000 đồng, chờ 3 ngày",
    "Hà Nội mùa này đông người",
    "Anh ấy rất tận tình, em cảm ơn",
])
def test_ordinary_comments_are_left_alone(text):
    assert redact(text) == (text, [])


def test_the_kinds_found_are_named_once_each_in_order():
    assert redact("chị Lan, chị Mai, nhà số 7, gọi 3825 1234") == (
        "chị [họ tên], chị [họ tên], [địa chỉ], gọi [số điện thoại]",
        ["name", "address", "phone"])


def test_decomposed_vietnamese_is_screened_like_composed():
    from services.survey.screening import normalise

    decomposed = unicodedata.normalize("NFD", "Cán bộ Nguyễn Văn An")
    assert redact(normalise(decomposed))[0] == "Cán bộ [họ tên]"


@pytest.mark.parametrize("text, refused", [
    ("Gọi tôi: 0912 345 678", True), ("email an@x.vn", True), ("CCCD 001234567890", True),
    ("chị Lan ở số 12 ngõ 34", False), ("gọi (024) 3825 1234", False), ("Rất tốt", False)])
def test_the_kiosk_refuses_only_what_the_citizen_can_take_out(text, refused):
    assert (refusal(text) is not None) is refused
