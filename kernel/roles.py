"""The platform's roles: who a person can be to it. Shared by the gateway, which checks them
on every request (gateway/auth.py, gateway/permissions.py), and the accounts service, which
gives them to people (services/accounts/)."""

ROLES = (
    "commune_officer",
    "justice_officer",
    "council_secretary",
    "chairman",
    "administrator",
    "auditor",
    "agency_officer",
)
NATIONWIDE_ROLES = frozenset({"administrator", "auditor"})
LEVELS = ("province", "district", "commune")
# What a province's justice department (Sở Tư pháp) may give, to accounts of its own communes
# and districts only (services/accounts/jurisdictions.py, gateway/permissions.py).
DELEGABLE_ROLES = frozenset({"commune_officer", "justice_officer", "council_secretary",
                             "chairman"})
