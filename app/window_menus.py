"""The main window's toolbar, menus and shortcuts (Qt conventions: Ctrl+P pause, Ctrl+, settings,
Ctrl+M models, Ctrl+Q quit, F1 about, Ctrl+E / Ctrl+Shift+E export, Ctrl+N new memory), and the
dialogs the menus open (Settings, Models, Welcome, About). A dialog's result goes back through
``window.apply_settings``."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QToolBar

from .memory_export import export_with_dialog
from .widgets.source_picker import SourcePicker


def action(window, text: str, shortcut, slot, tip: str = "") -> QAction:
    item = QAction(text, window)
    if shortcut is not None:
        item.setShortcut(QKeySequence(shortcut))
    if tip:
        item.setToolTip(tip)
    item.triggered.connect(slot)
    return item


def build_toolbar_and_menus(window) -> None:
    """Create ``window.source_picker`` and ``window.pause_action``, the toolbar and the menus."""
    toolbar = QToolBar("Main")
    toolbar.setMovable(False)
    window.addToolBar(toolbar)
    window.source_picker = SourcePicker()
    window.source_picker.set_current(window.settings.source)
    toolbar.addWidget(QLabel(" Watch: "))
    toolbar.addWidget(window.source_picker)
    window.pause_action = action(
        window, "Pause", "Ctrl+P", window.toggle_pause, "Pause or resume watching (Ctrl+P)"
    )
    toolbar.addAction(window.pause_action)
    toolbar.addWidget(window.indicator)
    settings = action(window, "Settings…", "Ctrl+,", lambda: open_settings(window))
    models = action(
        window,
        "Models…",
        "Ctrl+M",
        lambda: open_models(window),
        "Download or choose a model (Ctrl+M)",
    )
    toolbar.addAction(settings)
    toolbar.addAction(models)
    quit_action = action(window, "Quit", QKeySequence.StandardKey.Quit, window.close)
    window.addAction(quit_action)
    file_menu = window.menuBar().addMenu("&File")
    file_menu.addAction(
        action(
            window,
            "New memory",
            "Ctrl+N",
            window.new_memory,
            "Forget what was seen so far and start a fresh memory (Ctrl+N)",
        )
    )
    file_menu.addSeparator()
    file_menu.addAction(action(window, "Export conversation…", "Ctrl+E", window.chat._on_export))
    file_menu.addAction(
        action(
            window,
            "Export remembered frames…",
            "Ctrl+Shift+E",
            lambda: export_with_dialog(window),
            "Save the frames now in memory as JPEG files with an index (Ctrl+Shift+E)",
        )
    )
    file_menu.addAction(settings)
    file_menu.addAction(models)
    file_menu.addSeparator()
    file_menu.addAction(quit_action)
    watch_menu = window.menuBar().addMenu("&Watch")
    watch_menu.addAction(window.pause_action)
    watch_menu.addAction(action(window, "Alerts…", "Ctrl+Shift+A", lambda: open_alerts(window)))
    help_menu = window.menuBar().addMenu("&Help")
    help_menu.addAction(action(window, "Welcome", None, lambda: show_welcome(window)))
    help_menu.addAction(
        action(window, "About VideoScan Desktop", "F1", lambda: show_about(window))
    )


def open_models(window) -> None:
    from PySide6.QtCore import Qt

    from .widgets.model_manager import ModelManagerDialog

    dialog = ModelManagerDialog(window.settings, window)
    dialog.accepted.connect(
        lambda: dialog.chosen_settings and window.apply_settings(dialog.chosen_settings)
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.models_dialog = dialog
    dialog.open()  # window-modal, without a nested event loop


def open_alerts(window) -> None:
    from .widgets.alerts_dialog import AlertsDialog

    AlertsDialog(window.alerts, window).exec()


def open_settings(window) -> None:
    from .widgets.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.settings, window, window.devices or None)
    if dialog.exec() == SettingsDialog.DialogCode.Accepted:
        window.apply_settings(dialog.result_settings())


def show_about(window) -> None:
    from .widgets.about_dialog import AboutDialog

    AboutDialog(window.log_path, window).exec()


def show_welcome(window) -> None:
    from .widgets.welcome_dialog import WelcomeDialog

    WelcomeDialog(window).exec()
