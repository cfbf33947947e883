"""Performance benchmarks: ``python -m benchmarks.NAME [--geometry ...] [--quick] [--json]``.

Every figure is measured in the run that prints it; claims are ratios taken in one process
(VideoScan against the full-token baseline on the same machine). See benchmarks/NOTES.md.
"""
