"""Tests of app/features."""
