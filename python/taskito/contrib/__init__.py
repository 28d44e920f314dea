"""Integrations with other libraries, each behind its own extra:

- :mod:`taskito.contrib.fastapi` (``pip install taskito[fastapi]``): ``TaskitoRouter``;
- :mod:`taskito.contrib.otel` (``taskito[otel]``): ``OpenTelemetryMiddleware``;
- :mod:`taskito.contrib.prometheus` (``taskito[prometheus]``): an exporter.
"""
