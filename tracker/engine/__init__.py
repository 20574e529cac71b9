"""The engine: the catalogue and its tables, the value that counts, evaluation and reasons, periods, views and progress, figures beside the reporter's, the demo."""
