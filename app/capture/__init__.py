"""The app's capture thread (Qt): ``controller.CaptureController`` paces a core frame source
(``videoscan_core.capture``: sources, privacy guard, change detector) into the latest-frame slot."""
