"""The alerts panel: "tell me when ..." conditions listed, added, edited, switched off, removed,
and all of them paused.

Contract: ``AlertsDialog(controller)`` shows ``controller.conditions()`` as a list whose check
boxes switch a condition on or off; double-click (or Edit) edits its text in place; Add takes the
line edit's text (at most ``MAX_CONDITION_CHARS`` characters; a refused one, such as one
condition too many, is said in a message box); Remove deletes the selected one; "Pause all
alerts" pauses checking and "every k frames" sets how often conditions are checked. Every change
goes straight to the controller (which saves it); the dialog keeps no state of its own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from videoscan_core.limits import MAX_CONDITION_CHARS

ID_ROLE = Qt.ItemDataRole.UserRole


class AlertsDialog(QDialog):
    def _say_frames(self, value: int) -> None:
        self.every.setSuffix(" frame" if value == 1 else " frames")

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Alerts")
        self.controller = controller
        self.list = QListWidget()
        self.list.setEditTriggers(QListWidget.EditTrigger.DoubleClicked)
        self.input = QLineEdit()
        self.input.setPlaceholderText("Tell me when… e.g. a red shape appears")
        self.input.setMaxLength(MAX_CONDITION_CHARS)
        self.add_button = QPushButton("Add")
        self.edit_button = QPushButton("Edit")
        self.remove_button = QPushButton("Remove")
        self.pause = QCheckBox("Pause all alerts")
        self.pause.setChecked(controller.paused)
        self.every = QSpinBox()
        self.every.setRange(1, 100)
        self.every.setValue(controller.every)
        self.every.setPrefix("every ")
        self.every.valueChanged.connect(self._say_frames)
        self._say_frames(self.every.value())
        self.every.setToolTip("check the conditions after every k processed frames")
        adding = QHBoxLayout()
        adding.addWidget(self.input, 1)
        adding.addWidget(self.add_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.every)
        buttons.addWidget(self.pause)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Checked after processed frames; an alert appears in the chat and as a message.")
        )
        layout.addLayout(adding)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(close)
        self.add_button.clicked.connect(self._add)
        self.input.returnPressed.connect(self._add)
        self.edit_button.clicked.connect(self._edit)
        self.remove_button.clicked.connect(self._remove)
        self.pause.toggled.connect(controller.set_paused)
        self.every.valueChanged.connect(controller.set_every)
        self.list.itemChanged.connect(self._changed)
        close.rejected.connect(self.reject)
        self.resize(460, 360)
        self.refresh()

    def refresh(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for condition in self.controller.conditions():
            item = QListWidgetItem(condition.text)
            item.setData(ID_ROLE, condition.id)
            item.setFlags(
                item.flags() | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable
            )
            item.setCheckState(
                Qt.CheckState.Checked if condition.enabled else Qt.CheckState.Unchecked
            )
            self.list.addItem(item)
        self.list.blockSignals(False)
        has = self.list.count() > 0
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    @Slot()
    def _add(self) -> None:
        text = self.input.text().strip()
        if text:
            try:
                self.controller.add(text)
            except ValueError as error:  # a cap of videoscan_core.limits
                QMessageBox.warning(self, "Alerts", str(error))
                return
            self.input.clear()
            self.refresh()

    @Slot()
    def _edit(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    @Slot()
    def _remove(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.controller.remove(item.data(ID_ROLE))
            self.refresh()

    @Slot(QListWidgetItem)
    def _changed(self, item: QListWidgetItem) -> None:
        text = item.text().strip()
        enabled = item.checkState() == Qt.CheckState.Checked
        if not text:
            self.refresh()  # an emptied text is not a condition: show the old one again
            return
        self.controller.update(item.data(ID_ROLE), text=text, enabled=enabled)
