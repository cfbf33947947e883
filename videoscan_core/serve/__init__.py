"""A local OpenAI-compatible server (``videoscan serve``) and an MCP server (``videoscan mcp``).

Contract: ``server.VideoScanServer`` serves ``/v1/models`` and ``/v1/chat/completions`` over one
engine worker thread (``worker.EngineWorker``); ``app`` is the Starlette application, ``media``
reads video content parts, ``protocol`` the OpenAI wire format, ``live`` the server's own source.
Needs the optional ``serve`` dependencies (starlette, uvicorn; ``mcp`` for the MCP server).
"""
