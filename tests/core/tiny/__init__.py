"""Tests of videoscan_core/tiny."""
