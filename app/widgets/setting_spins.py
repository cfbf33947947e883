"""Spin boxes for the numeric settings, with the ranges of ``AppSettings`` (one table).

Contract: ``int_spin(name, value, tip, suffix)`` and ``float_spin(name, value, step, decimals,
suffix)`` build a spin box whose range is ``settings.RANGES[name]``, the range the settings
validator accepts, so the dialog can never offer a value the settings refuse.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

from ..settings import RANGES


def int_spin(name: str, value: int, tip: str = "", suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    low, high = RANGES[name]
    spin.setRange(int(low), int(high))
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setToolTip(tip)
    return spin


def float_spin(
    name: str, value: float, step: float, decimals: int = 2, suffix: str = ""
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    low, high = RANGES[name]
    spin.setRange(float(low), float(high))
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin
