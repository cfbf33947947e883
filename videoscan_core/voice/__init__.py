"""Voice in and out: speech to text (transcribe.py) and text to speech (speak.py)."""
