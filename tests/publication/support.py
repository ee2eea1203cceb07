"""A small publication setup on real stores: the assessment's handlers write real events, a
survey store holds survey results, and the public record projection reads both."""

from __future__ import annotations

from kernel.events import Actor, Metadata, NewEvent
from kernel.projection import ProjectionProcessor, StoreSource
from kernel.store import EventStore
from rules.criteria import set_for_year
from services.assessment import commands, criteria_sets, views
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.handlers import AssessmentHandlers
from services.publication import export, overviews, record, search
from tests.support.assessment_figures import full_figures

THANH_HOA, DONG_SON, YEAR = "38", "405", 2022
DONG_QUANG, DONG_HOA, DONG_NAM = "16426", "16390", "16423"


def meta(role="commune_officer", subject="officer@test"):
    return Metadata(actor=Actor(subject=subject, role=role, jurisdiction={}))


class Setup:
    def __init__(self, database_url: str, survey_url: str):
        self.assessment = EventStore(database_url, "assessment")
        self.assessment.migrate()
        self.survey = EventStore(survey_url, "survey")
        self.survey.migrate()
        # the publication read model lives in its own store's database
        self.publication = EventStore(database_url, "publication")
        self.projection = record.PublicRecordProjection()
        self.projection.migrate(self.publication.engine)
        self.processor = ProjectionProcessor(
            self.publication, self.projection,
            {"assessment": StoreSource(self.assessment), "survey": StoreSource(self.survey)})
        self.sets = criteria_sets.all_sets(self.assessment)
        self.handlers = AssessmentHandlers(
            self.assessment,
            catalogue_for=lambda i, v: CriteriaSetCatalogue(views.find_criteria_set(self.sets, i, v)),
            criteria_set_for_year=lambda year: set_for_year(year, self.sets).key)

    def dispose(self):
        for store in (self.assessment, self.survey, self.publication):
            store.dispose()

    def sync(self) -> int:
        return sum(self.processor.catch_up(StoreSource(s)) for s in (self.assessment, self.survey))

    @property
    def engine(self):
        return self.publication.engine

    # -- the assessment, step by step
    def run(self, commune, year, command, **kw):
        return self.handlers.execute(commune, year, commands.by_name(command, kw), meta())

    def walk(self, commune=DONG_QUANG, year=YEAR, until="decided", recognised=True,
             points=None, comments=(), decision_date=None):
        """Take a commune's assessment as far as ``until``: drafted, self_assessed, posting,
        appraised, decided."""
        criteria_set = set_for_year(year, self.sets)
        run = lambda command, **kw: self.run(commune, year, command, **kw)  # noqa: E731
        self.handlers.open(commune, year, meta())
        for indicator in criteria_set.indicators():
            run("record_figures", indicator_id=indicator.id, figures=full_figures(indicator))
        if criteria_set.recognition.conditions:
            run("declare_conditions",
                declarations={c.id: True for c in criteria_set.recognition.conditions})
        if until == "drafted":
            return
        run("submit_self_assessment")
        if until == "self_assessed":
            return
        run("start_posting", start=f"{year}-12-15", channel="office")
        for number, text in enumerate(comments, 1):
            run("record_comment", comment_id=f"c{number}", text=text,
                received_on=f"{year}-12-16", author="Nguyễn Văn A")
        if until == "posting":
            return
        for number, _ in enumerate(comments, 1):
            run("answer_comment", comment_id=f"c{number}", answer="Đã tiếp thu",
                answered_on=f"{year}-12-21")
        run("end_posting", today=f"{year}-12-21")
        run("submit_dossier", submitted_on=f"{year}-12-28")
        run("pass_check", checked_on=f"{year + 1}-01-03")
        run("start_appraisal", started_on=f"{year + 1}-01-05", council_size=3, method="meeting")
        for name in ("A", "B"):
            run("record_opinion", member_name=name, role="member", opinion="agree",
                given_by="meeting")
        for indicator in criteria_set.indicators():
            if criteria_set.pass_fail:
                achieved = (points or {}).get(indicator.id, True)
                run("appraise_indicator", indicator_id=indicator.id, points=None,
                    achieved=achieved, reason="checked")
            else:
                given = (points or {}).get(indicator.id, format(indicator.max, "f"))
                run("appraise_indicator", indicator_id=indicator.id, points=given, reason="checked")
        run("complete_appraisal", completed_on=f"{year + 1}-01-10")
        if until == "appraised":
            return
        run("decide", recognised=recognised, decision_number=f"{commune}/QĐ-UBND",
            decision_date=decision_date or f"{year + 1}-01-25")

    def survey_result(self, commune, period, rate="90.00", satisfied=45, valid=50, published=True,
                      purpose=None):
        """A closed campaign's result; ``purpose`` "dissemination_models" for a Mẫu 04 opinion
        survey (its campaign ``<commune>-<period>-mau04``), none for a satisfaction survey as
        every result before the field existed."""
        campaign = f"{commune}-{period}" + ("-mau04" if purpose == "dissemination_models" else "")
        stream = f"campaign-{campaign}"
        version = self.survey.stream_version(stream)
        data = {
            "campaign_id": campaign, "commune_code": commune, "period": period,
            "questionnaire_id": "mau-04-tt-09-2021" if purpose == "dissemination_models"
            else "hai-long-tiep-can-phap-luat", "questionnaire_version": 1,
            "responses": valid, "valid_answers": valid, "satisfied": satisfied,
            "rate_percent": rate, "target_sample": 40, "target_met": True, "min_answers": 30,
            "published": published, "reason": None if published else "too few answers"}
        if purpose is not None:
            data["purpose"] = purpose
        self.survey.append(stream, version, [NewEvent("SatisfactionResultComputed", data)], meta())

    # -- the RPCs' answers
    def snapshot(self) -> dict:
        """Everything the board can read, for comparing a rebuild with the live record."""
        body = {"search": search.search_communes(self.engine, limit=200),
                "years": search.years(self.engine), "records": {}, "overviews": {},
                "exports": {}}
        for item in body["search"]["items"]:
            body["records"][item["commune_code"]] = record.commune_record(self.engine,
                                                                          item["commune_code"])
            key = f"{item['province_code']}-{item['year']}"
            body["overviews"][key] = overviews.province_overview(self.engine, item["province_code"],
                                                                 item["year"])
            bundle = export.export_bundle(self.engine, item["province_code"], item["year"])
            bundle.pop("exported_at")
            body["exports"][key] = bundle
        for year in body["years"]:
            body["overviews"][str(year)] = overviews.national_overview(self.engine, year)
        return body
