"""Scripted runs (`videoscan-desktop --script`): the run, its guard, its recorder and the start-up
checks of its arguments."""
