"""Model families the engine can stream with. One module per family; ``load_model`` picks one."""

from .loading import load_model, resolve_model_folder

__all__ = ["load_model", "resolve_model_folder"]
