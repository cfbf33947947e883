"""Tests of app/scripting."""
