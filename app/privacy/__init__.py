"""Privacy in the window: the toolbar indicator and the desktop's D-Bus lock check. The rules and
the per-frame guard are the core's (``videoscan_core.capture.privacy``)."""
