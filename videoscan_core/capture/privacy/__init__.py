"""Privacy before capture: excluded windows blacked out, capture paused for chosen apps, a locked
screen, an idle session or battery power. ``guard.PrivacyGuard`` decides per frame (``GUARD`` is
the process's one guard, used by the screen and window sources); the window lists come from
``listers.make_lister()`` (X11, Windows or macOS behind one interface); ``rules`` holds the
user's rules and reads them from a settings store."""
