"""The survey-fed indicator's page says where its figures came from and what was held back
(the partial the indicator page includes; rendered without a platform)."""

from gateway.workspace.render import ENV

TAKEN = {"indicator_id": "C2.I5", "figures": {"surveyed": 40},
         "result": {"campaign_id": "25822-2017", "rate_percent": "87.50", "published": True,
                    "satisfied": 35, "valid_answers": 40}}


def render(**context) -> str:
    return ENV.get_template("commune/_survey_source.html").render(**context)


def test_given_a_survey_fed_indicator_then_its_source_is_shown_and_typing_is_ruled_out():
    html = render(survey_fed=TAKEN, survey_problem=None)
    assert "đợt 25822-2017" in html and "87,5%" in html and "35/40" in html
    assert "Không nhập tay được" in html and 'role="alert"' not in html


def test_given_a_result_without_a_rate_then_it_says_the_indicator_has_no_figures():
    html = render(survey_fed={**TAKEN, "result": {**TAKEN["result"], "rate_percent": None,
                                                  "published": False}}, survey_problem=None)
    assert "chưa có tỷ lệ hài lòng được công bố" in html


def test_given_a_held_result_then_the_problem_is_shown():
    html = render(survey_fed=TAKEN, survey_problem={"message": "Kết quả mới … chưa được áp dụng"})
    assert 'role="alert"' in html and "chưa được áp dụng" in html


def test_given_an_indicator_typed_by_hand_then_nothing_is_shown():
    assert render(survey_fed=None, survey_problem=None).strip() == ""


def test_given_c2_i4_fed_by_the_mau04_survey_then_it_names_that_survey_not_satisfaction():
    html = render(survey_fed={"indicator_id": "C2.I4", "figures": {"surveyed": 30},
                              "result": {"campaign_id": "25822-2023-mau04", "rate_percent": "80.00",
                                         "published": True, "satisfied": 24, "valid_answers": 30,
                                         "purpose": "dissemination_models"}},
                  survey_problem=None)
    assert "Mẫu 04" in html and "tỷ lệ ý kiến đánh giá hiệu quả 80%" in html
    assert "hài lòng" not in html


def test_given_the_survey_fed_c2_i4_of_25_2021_then_its_form_asks_for_the_mau04_counts():
    from gateway.workspace import figures
    from rules.criteria import set_for_year

    [item] = figures.items(set_for_year(2023).indicator("C2.I4").to_dict())
    labels = {f.key: f.label for f in item.fields}
    assert labels == {"rated_effective": "Số ý kiến đánh giá “Hiệu quả” và “Rất hiệu quả”",
                      "surveyed": "Số ý kiến hợp lệ của phiếu lấy ý kiến (Mẫu 04)"}
    assert all("lấy tự động" in f.hints[0] for f in item.fields)
