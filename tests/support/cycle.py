"""A commune's year through the real assessment service over RPC, for tests that need one."""

from rules.criteria import load_builtin_sets
from tests.support.assessment_figures import full_figures


def appraise(assessment, commune: str, year: int, context: dict):
    """A 25/2021 commune-year as far as the council's appraisal, one step short of the
    chairman's decision; returns ``run(command, **arguments)`` for the next steps."""
    criteria_set = load_builtin_sets()[("25-2021", 2)]

    def run(command, **arguments):
        return assessment.run_command(commune, year, command, arguments, None, context)

    assessment.open_assessment(commune, year, context)
    for indicator in criteria_set.indicators():
        run("record_figures", indicator_id=indicator.id, figures=full_figures(indicator))
    run("declare_conditions", declarations={"no_head_disciplined": True})
    run("submit_self_assessment")
    run("start_posting", start=f"{year}-12-15", channel="portal")
    run("end_posting", today=f"{year}-12-21")
    run("submit_dossier", submitted_on=f"{year}-12-28")
    run("pass_check", checked_on=f"{year + 1}-01-03")
    run("start_appraisal", started_on=f"{year + 1}-01-05", council_size=1, method="written")
    run("record_opinion", member_name="A", role="chair", opinion="agree", given_by="writing")
    for indicator in criteria_set.indicators():
        run("appraise_indicator", indicator_id=indicator.id, points=format(indicator.max, "f"),
            reason="checked")
    run("complete_appraisal", completed_on=f"{year + 1}-01-10")
    return run
