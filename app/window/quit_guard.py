"""Nothing lost on quit: answers that were never exported are offered for export first.

Contract: ``confirm_quit(window, chat)`` returns True when the window may close: at once when every
answer has been exported (or there are none); otherwise after asking Save / Quit without saving /
Cancel (``ask_about_unsaved``), where Save runs the chat's conversation export and closes only if it
was written. Tests replace ``ask_about_unsaved`` to answer the question. ``save_unexported(chat)``
asks nothing (a quit by SIGTERM or SIGINT must never wait on a dialog): it writes unexported
answers as Markdown to ``user_dirs.recovery_dir()`` and returns the file (None when there was
nothing, or it could not be written: said in the log).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from videoscan_core.user_dirs import recovery_dir

if TYPE_CHECKING:
    from ..widgets.chat_pane import ChatPane

log = logging.getLogger("videoscan")

Button = QMessageBox.StandardButton


def ask_about_unsaved(window: QWidget, count: int) -> Button:
    box = QMessageBox(window)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Quit VideoScan")
    plural = "answer that was" if count == 1 else "answers that were"
    box.setText(f"The conversation has {count} {plural} not exported.")
    box.setInformativeText("Save the conversation before quitting? Otherwise it is not kept.")
    box.setStandardButtons(Button.Save | Button.Discard | Button.Cancel)
    box.button(Button.Discard).setText("Quit without saving")
    box.setDefaultButton(Button.Save)
    return Button(box.exec())


def confirm_quit(window: QWidget, chat: ChatPane) -> bool:
    unsaved = chat.conversation.unsaved_or_streaming
    if not unsaved:
        return True
    choice = ask_about_unsaved(window, unsaved)
    if choice == Button.Save:
        return chat.export_with_dialog()
    return choice == Button.Discard


def save_unexported(chat: ChatPane) -> Path | None:
    """Unexported answers to the recovery folder, without asking (see the module docstring)."""
    unsaved = chat.conversation.unsaved_or_streaming
    if not unsaved:
        return None
    folder = recovery_dir()
    path = folder / time.strftime("conversation-%Y%m%d-%H%M%S.md")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        chat.export_to(path)
    except OSError as error:
        log.warning("could not save %d unexported answers to %s: %s", unsaved, path, error)
        return None
    log.warning("saved %d unexported answers to %s", unsaved, path)
    return path
