"""The package version, in one place: ``setup.cfg`` reads it (``version = attr: service.version.__version__``),
``tariff-stack --version`` and ``/healthz`` print it, and a test checks that ``openapi.yaml`` agrees."""
__version__ = "0.2.0"
