"""Screen text: what the screen said, read by OCR, remembered as lines and blocks, searched, and
shown to the model next to the question (``prompt.render_screen_text``). Qt-free."""
