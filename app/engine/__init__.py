"""The engine thread: the worker that owns the engine, its typed commands, question handling,
model loading, the answer router, the failure log and system figures."""
