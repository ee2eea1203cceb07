"""The commune page of the board with both kinds of survey of one period and a result the
assessment held back, rendered from a real public record (no broker: the page is a template
over the publication service's answer, board.commune_page)."""

import html
import re

import pytest

from gateway import board
from kernel.events import NewEvent
from rules.assessment import names as n
from services.publication import record
from tests.publication.support import DONG_QUANG, Setup
from tests.publication.test_survey_kinds import Y619, feed_assessment
from tests.support.stores import meta


@pytest.fixture
def setup(tmp_path):
    platform = Setup(f"sqlite:///{tmp_path}/store.sqlite", f"sqlite:///{tmp_path}/survey.sqlite")
    yield platform
    platform.dispose()


def section(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def test_commune_page_shows_each_kind_of_survey_under_its_own_heading_and_a_held_result(setup):
    take = feed_assessment(setup)
    setup.walk(year=Y619, until="drafted")
    setup.survey_result(DONG_QUANG, str(Y619), rate="80.00", satisfied=40, valid=50)
    take()  # applied while drafting
    setup.run(DONG_QUANG, Y619, "submit_self_assessment")
    setup.run(DONG_QUANG, Y619, "start_posting", start=f"{Y619}-12-15", channel="office")
    setup.survey_result(DONG_QUANG, str(Y619), rate="90.00", satisfied=45, valid=50)
    take()  # held: the self-assessment was submitted
    # the Mẫu 04 opinion survey of the same period (the assessment is not fed it here: which
    # indicator it scores is the assessment's business)
    setup.survey_result(DONG_QUANG, str(Y619), rate="86.67", satisfied=26, valid=30,
                        purpose="dissemination_models")
    setup.sync()

    body = record.commune_record(setup.engine, DONG_QUANG)
    page = html.unescape(board.commune_page(body, DONG_QUANG).get_data(as_text=True))
    year = page[page.index(f'id="nam-{Y619}"'):]
    satisfaction = section(year, f'id="hai-long-{Y619}"', "</dl>")
    mau04 = section(year, f'id="mau-04-{Y619}"', "</dl>")
    assert "Mức độ hài lòng của người dân" in satisfaction
    assert re.search(r'class="satisfaction-rate"><strong>90%</strong>', satisfaction)
    assert "86,67" not in satisfaction
    assert ("Ý kiến về hiệu quả các hình thức, mô hình phổ biến, giáo dục pháp luật (Mẫu 04)"
            in mau04)
    assert "Tỷ lệ ý kiến đánh giá hiệu quả" in mau04 and "Tỷ lệ hài lòng" not in mau04
    assert re.search(r'class="dissemination-models-rate"><strong>86,67%</strong>', mau04)
    assert "(26/30 ý kiến)" in mau04
    assert year.index(f'id="hai-long-{Y619}"') < year.index(f'id="mau-04-{Y619}"')
    # the Mẫu 04 rate is never the satisfaction rate: nowhere but its own section and entry
    assert year.count("86,67%") == 2
    assert ("Kết quả lấy ý kiến về hiệu quả mô hình phổ biến, giáo dục pháp luật (Mẫu 04)"
            in year)  # the entry's kind
    held = section(year, f'id="ket-qua-cho-{Y619}"', "</div>")
    assert (f"Kết quả khảo sát mới (đợt {DONG_QUANG}-{Y619}, 90% hài lòng) đến sau khi xã đã "
            "nộp hồ sơ tự đánh giá nên chưa được tính vào điểm chỉ tiêu C2.I5; điểm vẫn theo "
            f"kết quả trước (đợt {DONG_QUANG}-{Y619}, 80% hài lòng).") in held
    # the yearly downloads carry no survey rate of either kind
    assert all("86.67" not in str(row) and "90.00" not in str(row)
               for row in board.year_rows(body))

    # once a result is applied the notice goes
    stream = n.stream_name(DONG_QUANG, Y619)
    [last] = list(setup.assessment.read_stream(stream))[-1:]
    setup.assessment.append(stream, last.version, [NewEvent(n.SATISFACTION_RESULT_APPLIED, {
        key: last.data[key] for key in ("indicator_id", "result", "figures")})], meta())
    setup.sync()
    body = record.commune_record(setup.engine, DONG_QUANG)
    page = board.commune_page(body, DONG_QUANG).get_data(as_text=True)
    assert "ket-qua-cho-" not in page and f'id="mau-04-{Y619}"' in page
