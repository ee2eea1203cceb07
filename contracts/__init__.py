"""What the services promise one another over RPC, shared by the service that keeps the
promise and the clients that rely on it (the gateway): the refusals that cross RPC as
themselves, with their code, HTTP status and details. A service never imports another
service's modules (tests/test_boundaries.py); what both sides need lives here.

Each module imports ``kernel.nameko`` first: it registers with nameko every kernel error
subclass defined after it, so these cross RPC intact (their registry key is this module's
path, the same on both sides)."""
