"""The app's widgets: chat pane, memory timeline, resource plot, settings, banners."""
