import unicodedata

import pytest

from reference.text import fold


@pytest.mark.parametrize(("text", "folded"), [
    ("Đông Quang", "dong quang"),
    ("ĐÔNG QUANG", "dong quang"),
    ("Thành phố Hồ Chí Minh", "thanh pho ho chi minh"),
    ("Xã Trừ Văn Thố", "xa tru van tho"),
    ("Đắk Lắk", "dak lak"),
    ("Phường Văn Miếu - Quốc Tử Giám", "phuong van mieu - quoc tu giam"),
    ("Xã Cây Trường II", "xa cay truong ii"),
    ("Ðông Sơn", "dong son"),  # U+00D0, often typed for Đ
    ("plain ascii 123", "plain ascii 123"),
    ("", ""),
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_ignores_unicode_normalisation_form():
    name = "Lai Uyên Thị trấn Đông Thịnh"
    assert fold(unicodedata.normalize("NFD", name)) == fold(unicodedata.normalize("NFC", name))


def test_fold_is_idempotent():
    assert fold(fold("Huyện Bàu Bàng")) == "huyen bau bang"
