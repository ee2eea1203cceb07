"""Administrative units: public, read-only, straight from the reference package."""

import pytest

from reference import units
from tests.gateway.conftest import BA_DINH, HANOI

pytestmark = pytest.mark.broker


def test_the_provinces(platform):
    response = platform.get("/api/v1/units/provinces")
    assert response.status_code == 200
    provinces = response.json()["provinces"]
    assert provinces == [p.to_dict() for p in units.provinces()]
    assert {"code": HANOI, "name": "Thành phố Hà Nội", "short_name": "Hà Nội"} in provinces


def test_one_province(platform):
    response = platform.get(f"/api/v1/units/provinces/{HANOI}")
    assert response.json() == units.province(HANOI).to_dict()


def test_the_communes_of_a_province(platform):
    body = platform.get(f"/api/v1/units/provinces/{HANOI}/communes").json()
    assert body["province"]["code"] == HANOI
    codes = [c["code"] for c in body["communes"]]
    assert BA_DINH in codes and len(codes) == len(units.communes(HANOI))


def test_the_communes_of_a_year(platform):
    # Bình Dương (74) is no current province, but has its pre-2025 units up to 2024.
    body = platform.get("/api/v1/units/provinces/74/communes?year=2023").json()
    assert body["province"] == {"code": "74", "name": "Tỉnh Bình Dương", "short_name": "Bình Dương"}
    assert len(body["communes"]) == 91
    assert {"code": "25816", "name": "Xã Trừ Văn Thố", "province_code": "74",
            "district_code": "719", "division_type": "xã"} in body["communes"]
    codes = [c["code"] for c in body["communes"]]
    assert codes == sorted(codes)
    # A merged commune is listed up to the year before it merged.
    lai_chau = {year: {c["code"]: c for c in platform.get(
        f"/api/v1/units/provinces/12/communes?year={year}").json()["communes"]} for year in (2019, 2020)}
    assert (len(lai_chau[2019]), len(lai_chau[2020])) == (108, 106)
    assert "03397" in lai_chau[2019] and "03397" not in lai_chau[2020]
    # Hà Nội's 2020 units are the old ones, with districts; from 2025 the current ones.
    hanoi_2020 = platform.get(f"/api/v1/units/provinces/{HANOI}/communes?year=2020").json()
    assert hanoi_2020["province"]["code"] == HANOI and len(hanoi_2020["communes"]) == 579
    assert all(c["district_code"] for c in hanoi_2020["communes"])
    current = platform.get(f"/api/v1/units/provinces/{HANOI}/communes").json()
    assert platform.get(f"/api/v1/units/provinces/{HANOI}/communes?year=2025").json() == current
    assert all(c["district_code"] is None for c in current["communes"])


@pytest.mark.parametrize("path", ["/api/v1/units/provinces/74/communes?year=2025",
                                  "/api/v1/units/provinces/74/communes",
                                  "/api/v1/units/provinces/00/communes?year=2020"])
def test_a_province_that_did_not_exist_that_year_is_not_found(platform, path):
    response = platform.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("query", ["year=2016", "year=abc", "nam=2020"])
def test_a_bad_year_is_refused(platform, query):
    response = platform.get(f"/api/v1/units/provinces/{HANOI}/communes?{query}")
    assert response.status_code == 400


def test_one_commune(platform):
    body = platform.get(f"/api/v1/units/communes/{BA_DINH}").json()
    assert body == units.commune(BA_DINH).to_dict()
    assert body["name"] == "Phường Ba Đình" and body["province_code"] == HANOI


@pytest.mark.parametrize("path", ["/api/v1/units/provinces/00", "/api/v1/units/provinces/00/communes",
                                  "/api/v1/units/communes/99999"])
def test_unknown_units_are_not_found(platform, path):
    response = platform.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
