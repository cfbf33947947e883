"""Qt-free data behind the widgets: the conversation, the memory timeline and its layout, and
each answer's evidence."""
