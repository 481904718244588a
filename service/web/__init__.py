"""The HTTP service: app factory (``app``), one error envelope (``errors``), strict JSON
(``jsonio``), output formats (``formats``), request shapes (``schemas``), the blueprints
and the production server (``serve``).  The only layer that imports Flask."""
