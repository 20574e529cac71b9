"""创卫指标达标监测: the engine (store, catalogue, evaluation, ingest, reports)."""
