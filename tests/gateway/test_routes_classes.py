"""The gateway is one class made of every area's routes class (gateway/service.py). A helper
method two areas both define would silently be one area's for both: the second area's pages
would call the first's (this happened: the posting's ``_run`` took the review's forms). So
no name may be defined by two of them."""

from gateway.service import GatewayService


def test_no_two_routes_classes_define_the_same_name():
    seen: dict[str, str] = {}
    clashes = []
    for base in GatewayService.__mro__[1:]:
        if base is object:
            continue
        for name in vars(base):
            if name.startswith("__") or name in ("OPENAPI_TAGS",):
                continue
            if name in seen:
                clashes.append(f"{name}: {seen[name]} and {base.__name__}")
            seen.setdefault(name, base.__name__)
    assert not clashes, clashes
