"""HTTP routes of the assessment workflow."""


class AssessmentRoutes:
    OPENAPI_TAGS = ()
