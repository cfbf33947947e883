"""Answers and alerts read aloud (Settings: "Read answers and alerts aloud", off by default).

Contract: ``SpokenAnswers(enabled, parent)`` speaks each finished answer (``on_answer(record)``)
and each alert (``on_alert(alert)``) while ``enabled()`` (the setting) is true, through
``videoscan_core.voice.speak`` (a child process or thread: the GUI thread never waits); ``stop()``
(the window calls it on a new question and on Esc, the chat's stop) stops the reading. No
speech engine on this machine: nothing is said and one line is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Slot

log = logging.getLogger("videoscan")


class SpokenAnswers(QObject):
    def __init__(
        self, enabled: Callable[[], bool], parent: QObject | None = None, speaker=None
    ) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self._speaker = speaker
        self._looked = speaker is not None

    def speaker(self):
        if not self._looked:
            from videoscan_core.voice.speak import make_speaker

            self._looked = True
            self._speaker = make_speaker()
            if self._speaker is None:
                log.info("no speech engine here: answers are not read aloud")
        return self._speaker

    def say(self, text: str) -> None:
        if self.enabled() and text.strip():
            speaker = self.speaker()
            if speaker is not None:
                try:
                    speaker.say(text)
                except OSError as error:
                    log.warning("could not read the answer aloud: %s", error)

    @Slot(object)
    def on_answer(self, record) -> None:
        self.say(record.answer)

    @Slot(object)
    def on_alert(self, alert) -> None:
        self.say(f"Alert: {alert.condition}")

    @Slot()
    @Slot(int, str)
    def stop(self, *_args) -> None:
        if self._speaker is not None:
            self._speaker.stop()
