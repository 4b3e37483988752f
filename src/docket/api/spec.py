"""Write docs/openapi.json, the API's spec as served at /openapi.json (``make docs``); a test
fails when the served spec differs from it, so every API change shows in review."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from docket.api.app import create_app
from docket.config import Settings
from docket.storage.engine import make_engine
from docket.storage.migrate import upgrade


def openapi_spec() -> dict[str, Any]:
    """The spec of an app on a throwaway database (the spec does not depend on the data)."""
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'spec.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app(Settings(database_url=url))
        try:
            return app.openapi()
        finally:
            app.state.docket.close()


def render() -> str:
    return json.dumps(openapi_spec(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
