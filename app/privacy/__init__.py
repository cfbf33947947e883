"""Privacy before capture: excluded windows blacked out, capture paused for chosen apps, a locked
screen, an idle session or battery power. ``guard.PrivacyGuard`` decides per frame; the window
lists come from ``windows.make_lister()`` (X11, Windows or macOS behind one interface)."""
