"""Features wired onto the window through signals and small typed parts: alerts, spoken answers,
the API bridge, memory export, screen text and the privacy ledger."""
