"""HTTP routes of surveys and kiosks."""


class SurveyRoutes:
    OPENAPI_TAGS = ()
