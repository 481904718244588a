"""The service's operations, whatever carries them.

An operation takes a request's fields as plain data (a query mapping, a decoded JSON body with numbers as
``Decimal``), checks their shape (``schemas``: marshmallow at the boundary), calls the engine and returns the
document the API answers; a refusal is raised as the domain's ``InputError`` or ``NotCovered`` and becomes one
error envelope (``errors``).  The HTTP API (``service.web``) and the MCP server (``service.mcp``) are two
transports over the same operations: ``duty``, ``bills``, ``reference``, ``audit``.
"""
