"""The main window's toolbar, menus and shortcuts (Qt conventions: Ctrl+P pause, Ctrl+, settings,
Ctrl+M models, Ctrl+Q quit, F1 about, Ctrl+E / Ctrl+Shift+E export, Ctrl+N new memory), and the
dialogs the menus open (Settings, Models, Welcome, About, Alerts).

Contract: ``build_toolbar_and_menus(window, indicator, source, slots)`` adds the toolbar (the
source picker showing ``source``, Pause, the watch ``indicator``, Settings, Models) and the File,
Watch and Help menus to ``window``; each item calls one of ``slots`` (``MenuSlots``). It returns
the ``WindowActions`` the window keeps: the toolbar, the source picker, the pause action and the
Watch menu, where features add their own items (nothing looks a menu up by its text). The dialog
openers take what they show and a callable for the result (``apply``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QToolBar, QWidget

from ..widgets.source_picker import SourcePicker

if TYPE_CHECKING:
    from ..features.alerts_panel import AlertsController
    from ..settings import AppSettings
    from ..widgets.model_manager import ModelManagerDialog

Call = Callable[[], object]


@dataclass(frozen=True)
class MenuSlots:
    """What each toolbar button and menu item does."""

    toggle_pause: Call
    new_memory: Call
    export_conversation: Call
    export_frames: Call
    settings: Call
    models: Call
    alerts: Call
    welcome: Call
    about: Call
    quit: Call


@dataclass(frozen=True)
class WindowActions:
    """The parts of the toolbar and menus that the window and its features use later."""

    toolbar: QToolBar
    source_picker: SourcePicker
    pause: QAction
    watch_menu: QMenu


def action(parent: QObject, text: str, shortcut, slot: Call, tip: str = "") -> QAction:
    item = QAction(text, parent)
    if shortcut is not None:
        item.setShortcut(QKeySequence(shortcut))
    if tip:
        item.setToolTip(tip)
    item.triggered.connect(slot)
    return item


def build_toolbar_and_menus(
    window: QMainWindow, indicator: QLabel, source: str, slots: MenuSlots
) -> WindowActions:
    toolbar = QToolBar("Main")
    toolbar.setMovable(False)
    window.addToolBar(toolbar)
    picker = SourcePicker()
    picker.set_current(source)
    toolbar.addWidget(QLabel(" Watch: "))
    toolbar.addWidget(picker)
    pause = action(
        window, "Pause", "Ctrl+P", slots.toggle_pause, "Pause or resume watching (Ctrl+P)"
    )
    toolbar.addAction(pause)
    toolbar.addWidget(indicator)
    settings = action(window, "Settings…", "Ctrl+,", slots.settings)
    models = action(
        window, "Models…", "Ctrl+M", slots.models, "Download or choose a model (Ctrl+M)"
    )
    toolbar.addAction(settings)
    toolbar.addAction(models)
    quit_action = action(window, "Quit", QKeySequence.StandardKey.Quit, slots.quit)
    window.addAction(quit_action)
    file_menu = window.menuBar().addMenu("&File")
    file_menu.addAction(
        action(
            window,
            "New memory",
            "Ctrl+N",
            slots.new_memory,
            "Forget what was seen so far and start a fresh memory (Ctrl+N)",
        )
    )
    file_menu.addSeparator()
    file_menu.addAction(action(window, "Export conversation…", "Ctrl+E", slots.export_conversation))
    file_menu.addAction(
        action(
            window,
            "Export remembered frames…",
            "Ctrl+Shift+E",
            slots.export_frames,
            "Save the frames now in memory as JPEG files with an index (Ctrl+Shift+E)",
        )
    )
    file_menu.addAction(settings)
    file_menu.addAction(models)
    file_menu.addSeparator()
    file_menu.addAction(quit_action)
    watch_menu = window.menuBar().addMenu("&Watch")
    watch_menu.addAction(pause)
    watch_menu.addAction(action(window, "Alerts…", "Ctrl+Shift+A", slots.alerts))
    help_menu = window.menuBar().addMenu("&Help")
    help_menu.addAction(action(window, "Welcome", None, slots.welcome))
    help_menu.addAction(action(window, "About VideoScan Desktop", "F1", slots.about))
    return WindowActions(toolbar, picker, pause, watch_menu)


def open_models(
    parent: QWidget, settings: AppSettings, apply: Callable[[AppSettings], None]
) -> ModelManagerDialog:
    """The model manager, window-modal without a nested event loop; deleted when closed."""
    from PySide6.QtCore import Qt

    from ..widgets.model_manager import ModelManagerDialog

    dialog = ModelManagerDialog(settings, parent)

    def accepted() -> None:
        if dialog.chosen_settings:
            apply(dialog.chosen_settings)

    dialog.accepted.connect(accepted)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_alerts(parent: QWidget, alerts: AlertsController) -> None:
    from ..widgets.alerts_dialog import AlertsDialog

    AlertsDialog(alerts, parent).exec()


def open_settings(
    parent: QWidget,
    settings: AppSettings,
    devices: list[str],
    apply: Callable[[AppSettings], None],
) -> None:
    from ..widgets.settings_dialog import SettingsDialog

    dialog = SettingsDialog(settings, parent, devices or None)
    if dialog.exec() == SettingsDialog.DialogCode.Accepted:
        apply(dialog.result_settings())


def show_about(parent: QWidget, log_path: str) -> None:
    from ..widgets.about_dialog import AboutDialog

    AboutDialog(log_path, parent).exec()


def show_welcome(parent: QWidget) -> None:
    from ..widgets.welcome_dialog import WelcomeDialog

    WelcomeDialog(parent).exec()
