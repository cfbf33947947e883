"""The main window and what belongs to it: the view, menus, tray, quit guard, start gate, the
watching indicator and the window's model, answer and watching parts."""
