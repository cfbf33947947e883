"""Nothing lost on quit: answers that were never exported are offered for export first.

Contract: ``confirm_quit(window)`` returns True when the window may close: at once when every
answer has been exported (or there are none); otherwise after asking Save / Quit without saving /
Cancel (``ask_about_unsaved``), where Save runs the conversation export and closes only if it was
written. Tests replace ``ask_about_unsaved`` to answer the question.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

Button = QMessageBox.StandardButton


def ask_about_unsaved(window, count: int) -> Button:
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


def confirm_quit(window) -> bool:
    unsaved = window.chat.conversation.unsaved_or_streaming
    if not unsaved:
        return True
    choice = ask_about_unsaved(window, unsaved)
    if choice == Button.Save:
        return window.chat._on_export()
    return choice == Button.Discard
