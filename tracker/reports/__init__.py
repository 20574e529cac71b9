"""Documents and exports built from several layers: the briefing (通报), the national form, the review archive, the
督办通知 and their one official-document writer. Above the services (office, ingest, inspections), below the CLI."""
