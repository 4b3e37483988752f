"""The HTTP API: FastAPI app factory, a router per capability, one error shape."""
