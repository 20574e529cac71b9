"""The engine: the catalogue and its tables, the value that counts, evaluation and reasons, views and progress, figures beside the reporter's, the demo."""
