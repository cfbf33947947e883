"""VideoScan Desktop: the PySide6 app around ``videoscan_core``.

The GUI thread only draws and routes signals. Capture runs in its own thread, the model in a
worker thread that owns the streaming engine; frames pass between them through a one-slot
hand-off where the newest frame wins. torch and transformers are imported by the worker, never at
GUI start.
"""
