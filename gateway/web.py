"""nameko's ``@http`` entrypoint, answering in JSON where nameko would answer in text or HTML.

nameko's WSGI app answers unknown routes and wrong methods with Werkzeug's HTML pages, and
its entrypoint answers an unexpected error with the exception's type and text in plain text;
the gateway promises JSON errors that leak nothing, so both are replaced here.
"""

from __future__ import annotations

import socket
import uuid

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request

from gateway import chains
from gateway.errors import MethodNotAllowed, route_not_found
from gateway.http import correlation_id_from, error_response
from kernel.errors import KernelError


class JsonWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
        except RequestRedirect as redirect:
            return redirect(environ, start_response)
        except HTTPException as exc:
            response = _routing_error_response(exc, request)
        else:
            request.path_values = values
            response = provider.handle_request(request)
        return response(environ, start_response)


def _routing_error_response(exc: HTTPException, request: Request):
    correlation_id = correlation_id_from(request)
    if isinstance(exc, WerkzeugNotFound):
        return error_response(route_not_found(request.path), correlation_id, request=request)
    if isinstance(exc, WerkzeugMethodNotAllowed):
        allowed = sorted(exc.valid_methods or [])
        error = MethodNotAllowed("route.method_not_allowed", {"allowed_methods": allowed},
                                 {"method": request.method, "path": request.path})
        return error_response(error, correlation_id, {"Allow": ", ".join(allowed)}, request)
    return error_response(_HttpError.from_werkzeug(exc), correlation_id, request=request)


class _HttpError(KernelError):
    """Any other HTTP error Werkzeug's routing raises, kept with its own status."""

    @classmethod
    def from_werkzeug(cls, exc: HTTPException) -> _HttpError:
        error = cls(exc.description or exc.name)
        error.code, error.http_status = exc.name.lower().replace(" ", "_"), exc.code
        return error


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, *args, **kwargs):
        # eventlet writes a large response in more than one send; with Nagle's algorithm the
        # last piece waits for the client's delayed ACK (~40 ms on Linux). Accepted sockets
        # inherit the option from the listening one.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().get_wsgi_server(sock, wsgi_app, *args, **kwargs)


class JsonHttpRequestHandler(HttpRequestHandler):
    server = JsonWebServer()

    def setup(self):
        super().setup()
        # A handler made by gateway.http.endpoint takes (request, **path_values), which any
        # route's values fit: nameko's check, inspect.getcallargs on every request, would only
        # cost time (3 % of the gateway's CPU under kiosk load).
        method = getattr(self.container.service_cls, self.method_name)
        self._signature_fits_any_route = hasattr(method, "endpoint_spec")

    def check_signature(self, args, kwargs):
        if not self._signature_fits_any_route:
            super().check_signature(args, kwargs)

    def handle_request(self, request):
        response = super().handle_request(request)
        chains.annotate(self.container, response)  # X-Chain-Verification on every answer
        return response

    def response_from_exception(self, exc):
        # Reached only when a handler fails outside the endpoint decorator (for example a
        # signature mismatch); the decorator handles everything else.
        return error_response(exc, str(uuid.uuid4()))


http = JsonHttpRequestHandler.decorator
