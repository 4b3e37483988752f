"""No request's path, query or timing leaves the server through OpenTelemetry: FastAPI's
built-in telemetry is off, even where the process has a tracer, meter or logger provider
configured (or the environment asks FastAPI to configure exporters). Paths carry case
references and person ids, and nothing here would put such an export on the access log."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from opentelemetry import _logs, metrics, trace

from docket.api.app import create_app

USED: list[str] = []


class _Provider:
    """A provider as an OpenTelemetry SDK would set one up (no no-op), noting every use."""

    def __init__(self, kind: str, noop: Any) -> None:
        self.kind, self.noop = kind, noop

    def __getattr__(self, name: str) -> Any:
        USED.append(f"{self.kind}.{name}")
        return getattr(self.noop, name)


def test_no_telemetry_is_taken_even_with_providers_configured(settings, clock, monkeypatch):
    USED.clear()
    tracers = _Provider("tracer", trace.NoOpTracerProvider())
    meters = _Provider("meter", metrics.NoOpMeterProvider())
    loggers = _Provider("logger", _logs.NoOpLoggerProvider())
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: tracers)
    monkeypatch.setattr(metrics, "get_meter_provider", lambda: meters)
    monkeypatch.setattr(_logs, "get_logger_provider", lambda: loggers)
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    with TestClient(create_app(settings, clock=clock)) as client:
        response = client.get("/api/cases?office=NYC")
    assert response.status_code == 401
    assert USED == []
