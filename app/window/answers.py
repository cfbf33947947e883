"""The window's answers part: what happens when an answer is recorded, evidence is clicked or a
question is spoken.

Contract: ``AnswersMixin`` is a base class of ``MainWindow`` (``main_window.py``), split off along
the answers seam: the recorded answer goes to ``sig_answer_recorded`` (and, on a first run, one note
about real models; the run recorder, which follows the router itself, hands it to the script); a
clicked evidence picture is outlined on the timeline and shown large; a transcript is asked or left
in the box (``voice_autosend``); F9 is push-to-talk. It uses the window's own parts and adds no
attribute to it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot


class AnswersMixin:
    @Slot(object)
    def _on_answer_recorded(self, record) -> None:
        self.sig_answer_recorded.emit(record)
        if self.first_run:  # the first answer seen: point to real models, once, never over it
            self.first_run = False
            self.view.banner.show_note(
                "That was the demo model. For your own screen, pick a real model in "
                "Models (Ctrl+M)."
            )

    @Slot(int, int)
    def _on_evidence_clicked(self, answer_id: int, position: int) -> None:
        """An answer's evidence picture: outlined on the timeline and shown large when it is a
        frame of this memory, else the picture kept with the answer."""
        kept = self.view.chat.evidence.items(answer_id)
        item = kept[position] if 0 <= position < len(kept) else None
        if item is None:
            return
        if self.view.chat.evidence.in_memory(answer_id, self.timeline_model.memory):
            self.view.timeline.set_highlight([i.frame_index for i in kept if i is not None])
            self._show_frame(self.timeline_model.items.get(item.frame_index, item))
        else:
            from ..widgets.frame_viewer import show_frame

            show_frame(self, item, "from an earlier memory")

    @Slot(object)
    def _show_frame(self, item) -> None:
        from ..widgets.frame_viewer import show_frame

        show_frame(self, item)

    @Slot(str)
    def _on_transcript(self, text: str) -> None:
        if self.script.on_transcript(text):
            return
        if self.settings.voice_autosend:
            self.ask(text, "voice")
        else:
            self.view.chat.input.setText(text)
            self.view.chat.input.setFocus()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_F9 and not event.isAutoRepeat():
            self.voice.press()  # push-to-talk: hold F9
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_F9 and not event.isAutoRepeat():
            self.voice.release()
            return
        super().keyReleaseEvent(event)
