"""`nameko run` starts the survey service from config/nameko.yaml, as `make run` does."""

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.survey.questionnaires import DEFAULT_ID, SCALE_LABELS
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.broker


def test_the_service_starts_as_a_process_and_serves_the_built_in_questionnaire(
        amqp_uri, tmp_path):
    process = ServiceProcess(
        "services.survey.service:SurveyService", "survey",
        {"AMQP_URI": amqp_uri, "SURVEY_DB_URL": f"sqlite:///{tmp_path}/survey.sqlite"},
        tmp_path / "survey.log").start()
    try:
        assert process.wait_ready()["status"] == "up"
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as proxy:
            questionnaire = proxy.survey.get_questionnaire(DEFAULT_ID)
        assert questionnaire["version"] == 1
        assert [s["label"] for s in questionnaire["scale"]] == list(SCALE_LABELS.values())
    finally:
        process.stop()
