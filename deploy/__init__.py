"""The multi-process deployment: N app processes behind HAProxy with cookie affinity (docs/DEPLOY.md)."""
