"""Spoken questions: microphone recording (sounddevice) and transcription (faster-whisper)."""
