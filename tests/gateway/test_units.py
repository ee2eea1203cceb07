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
