"""Route groups of the gateway, one mixin class per backing service's API.

``GatewayService`` inherits them; nameko and the OpenAPI generator find inherited routes.
A mixin may declare ``OPENAPI_TAGS`` (tag dicts) for the docs page.
"""
