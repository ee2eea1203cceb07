"""The HTTP gateway: the only door from the web to TCPL's services.

It authenticates bearer tokens, validates JSON against marshmallow schemas, calls the
backing services over nameko RPC with a deadline, and answers every error in one shape:
``{"error": code, "message": sentence, "details": {...}}``.
"""
