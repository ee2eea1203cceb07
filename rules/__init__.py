"""The legal rules of the legal access standard, shared by every service that applies them.

No service owns this package and none imports another service's modules: the assessment
service records assessments with these rules, the publication service recomputes and shows
what was recorded with the very same ones. What lives here:

- ``criteria``: criteria sets as versioned, validated data (regime -> criteria -> indicators
  -> contents), each regime's calendar with them (``criteria/data/*.json``);
- ``scoring``: an indicator's points or verdict from its figures, a sheet from an assessment;
- ``recognition``: the conditions of recognition, their verdicts and their explanation;
- ``deadlines``: working days in Vietnam's calendar and a regime's deadlines;
- ``assessment``: the names of an assessment's events and the fold of those events into
  its state (what any reader of the log needs to read it the same way).
"""
