"""The schema's migrations, as data: numbered SQL that tracker.db.migrate applies once each, in order.

The Python steps some of them need (sealing the audit entries written before the chain, the summary of the
measurements already there …) are not named here: tracker.bootstrap passes them to migrate, from above."""

from __future__ import annotations

# Each migration runs once, in order, inside one transaction; schema_version records the last one applied.
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE SEQUENCE submission_id START 1;
        CREATE TABLE submission (
            id            BIGINT PRIMARY KEY DEFAULT nextval('submission_id'),
            submitted_at  TIMESTAMP NOT NULL,
            submitted_by  VARCHAR NOT NULL,      -- user name, 'demo' or 'cli'
            unit          VARCHAR,               -- unit the file was sent for (null: a 单位 column per row)
            file_name     VARCHAR NOT NULL,
            file_bytes    BLOB,                  -- the raw file, kept so nothing sent is ever lost
            sha256        VARCHAR NOT NULL,
            accepted      INTEGER NOT NULL DEFAULT 0,
            refused       INTEGER NOT NULL DEFAULT 0,
            warned        INTEGER NOT NULL DEFAULT 0,
            outcome       VARCHAR NOT NULL,      -- committed | all_refused | failed | duplicate
            message       VARCHAR,
            is_demo       BOOLEAN NOT NULL DEFAULT false
        );
        CREATE SEQUENCE measurement_id START 1;
        -- No PRIMARY KEY: the sequence keeps ids unique, and an index would triple the cost of a large import.
        CREATE TABLE measurement (
            id            BIGINT NOT NULL DEFAULT nextval('measurement_id'),
            submission_id BIGINT NOT NULL,
            metric        VARCHAR NOT NULL,
            unit          VARCHAR NOT NULL,      -- reporting unit (canonical short name)
            area          VARCHAR,               -- street / township; null = city-wide
            period_start  DATE NOT NULL,
            period_end    DATE NOT NULL,
            period_label  VARCHAR NOT NULL,
            value         DOUBLE,                -- number; yes/no as 1/0; grade as 1..4 (A..D)
            numerator     DOUBLE,
            denominator   DOUBLE,
            grade         VARCHAR,
            note          VARCHAR,
            evidence      VARCHAR,
            recorded_at   TIMESTAMP NOT NULL,
            source_row    INTEGER
        );
        CREATE TABLE refused_row (
            submission_id BIGINT NOT NULL,
            row_number    INTEGER NOT NULL,      -- as Excel numbers it
            cells         VARCHAR NOT NULL,      -- JSON of the raw cells
            reasons       VARCHAR[] NOT NULL
        );
        CREATE TABLE warned_row (
            submission_id BIGINT NOT NULL,
            row_number    INTEGER NOT NULL,
            warnings      VARCHAR[] NOT NULL
        );
        -- The office's check of a checklist value (待核实 until a row exists here).
        CREATE TABLE verification (
            measurement_id BIGINT NOT NULL,
            verified_by    VARCHAR NOT NULL,
            verified_at    TIMESTAMP NOT NULL,
            note           VARCHAR
        );
        """,
    ),
    (
        2,
        """
        -- 整改台账: a task per failing metric, with every change kept in task_event.
        CREATE SEQUENCE task_id START 1;
        CREATE TABLE task (
            id            BIGINT PRIMARY KEY DEFAULT nextval('task_id'),
            metric        VARCHAR NOT NULL,
            item          INTEGER NOT NULL,
            area          VARCHAR,
            owner_unit    VARCHAR NOT NULL,
            description   VARCHAR NOT NULL,
            deadline      DATE NOT NULL,
            status        VARCHAR NOT NULL,      -- open | in_progress | awaiting_check | closed
            opened_at     TIMESTAMP NOT NULL,
            opened_by     VARCHAR NOT NULL,
            auto          BOOLEAN NOT NULL DEFAULT false,
            closed_at     TIMESTAMP,
            close_reason  VARCHAR
        );
        CREATE TABLE task_event (
            task_id       BIGINT NOT NULL,
            happened_at   TIMESTAMP NOT NULL,
            actor         VARCHAR NOT NULL,
            from_status   VARCHAR,
            to_status     VARCHAR NOT NULL,
            note          VARCHAR
        );
        -- 「达标一项、验收一项」: one row per acceptance; a withdrawal fills withdrawn_*.
        CREATE SEQUENCE acceptance_id START 1;
        CREATE TABLE acceptance (
            id               BIGINT PRIMARY KEY DEFAULT nextval('acceptance_id'),
            item             INTEGER NOT NULL,
            accepted_on      DATE NOT NULL,
            accepted_by      VARCHAR NOT NULL,
            evidence         VARCHAR NOT NULL,
            recorded_at      TIMESTAMP NOT NULL,
            withdrawn_at     TIMESTAMP,
            withdrawn_reason VARCHAR
        );
        -- Accounts: scrypt hashes with a per-user salt; never logged or shown.
        CREATE SEQUENCE user_id START 1;
        CREATE TABLE app_user (
            id            BIGINT PRIMARY KEY DEFAULT nextval('user_id'),
            name          VARCHAR NOT NULL UNIQUE,
            role          VARCHAR NOT NULL,      -- admin | reporter | leader
            unit          VARCHAR,               -- reporters only
            salt          BLOB NOT NULL,
            pw_hash       BLOB NOT NULL,
            must_change   BOOLEAN NOT NULL DEFAULT false,
            disabled      BOOLEAN NOT NULL DEFAULT false,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until  TIMESTAMP,
            created_at    TIMESTAMP NOT NULL
        );
        -- Append-only: who did what, when, with the state before and after (JSON).
        CREATE SEQUENCE audit_id START 1;
        CREATE TABLE audit_log (
            id            BIGINT PRIMARY KEY DEFAULT nextval('audit_id'),
            happened_at   TIMESTAMP NOT NULL,
            actor         VARCHAR NOT NULL,
            action        VARCHAR NOT NULL,
            target        VARCHAR,
            before_json   VARCHAR,
            after_json    VARCHAR,
            detail        VARCHAR
        );
        """,
    ),
    (
        3,
        """
        -- 核实 is keyed by what was answered (metric, area, period, value), not by the row: the same answer sent
        -- again keeps its check; a different answer recorded after the check needs a new one.
        ALTER TABLE verification ADD COLUMN metric VARCHAR;
        ALTER TABLE verification ADD COLUMN unit VARCHAR;
        ALTER TABLE verification ADD COLUMN area VARCHAR;
        ALTER TABLE verification ADD COLUMN period_start DATE;
        ALTER TABLE verification ADD COLUMN value DOUBLE;
        UPDATE verification SET metric = m.metric, unit = m.unit, area = m.area,
                                period_start = m.period_start, value = m.value
        FROM measurement m WHERE m.id = verification.measurement_id;
        -- The office's decision that another listed unit's figure counts for a metric/area/period instead of
        -- the designated reporter's (a later choice replaces an earlier one; unit NULL returns to the reporter).
        CREATE TABLE figure_choice (
            metric        VARCHAR NOT NULL,
            area          VARCHAR,
            period_start  DATE NOT NULL,
            unit          VARCHAR,
            chosen_by     VARCHAR NOT NULL,
            chosen_at     TIMESTAMP NOT NULL,
            note          VARCHAR
        );
        """,
    ),
    (
        4,
        """
        -- web_session (issue 12, sign-in): the server side of the sign-in cookie, so that a reload, a bookmark
        -- or a second tab keeps the sign-in within the idle limit, and the server can end it (sign-out,
        -- disable, password reset or change). The browser holds a random token in an HttpOnly, SameSite=Strict
        -- cookie; only its sha256 is stored. No PRIMARY KEY or UNIQUE: DuckDB rewrites indexed rows on UPDATE,
        -- and the table stays small (one row per sign-in; ended rows are purged after a day).
        CREATE TABLE web_session (
            id            VARCHAR NOT NULL,      -- random handle kept in the Streamlit session, never sent out
            user_name     VARCHAR NOT NULL,
            stamp         VARCHAR NOT NULL,      -- the account's password stamp at sign-in (tracker.access.users)
            token_hash    VARCHAR,               -- sha256 of the cookie's token; NULL until the page fetched it
            handoff_hash  VARCHAR,               -- sha256 of the one-time code exchanged for the cookie
            handoff_until TIMESTAMP,
            created_at    TIMESTAMP NOT NULL,
            last_seen     TIMESTAMP NOT NULL,
            expires_at    TIMESTAMP NOT NULL,
            ended_at      TIMESTAMP,
            ended_why     VARCHAR                -- logout | idle | expired | disabled | password_reset | …
        );
        """,
    ),
    (
        5,
        """
        -- The audit log as a hash chain (tracker/access/audit.py): each entry holds the previous entry's hash and a hash
        -- of its own content with it, so a row deleted or changed in the file breaks the chain where it was.
        -- audit_head keeps the newest link, so rows cut from the end are noticed too.
        ALTER TABLE audit_log ADD COLUMN prev_hash VARCHAR;
        ALTER TABLE audit_log ADD COLUMN row_hash VARCHAR;
        CREATE TABLE audit_head (last_id BIGINT, last_hash VARCHAR NOT NULL, entries BIGINT NOT NULL);
        """,
    ),
    (
        6,
        """
        -- The raw files, once each, keyed by their sha256: a duplicate or a failed re-send refers to the copy
        -- already kept instead of storing the bytes again. submission.file_bytes stays for rows written by
        -- older code (the demo loader); readers take coalesce(submission.file_bytes, upload_file.bytes).
        CREATE TABLE upload_file (
            sha256        VARCHAR PRIMARY KEY,
            bytes         BLOB NOT NULL,
            size          BIGINT NOT NULL
        );
        INSERT INTO upload_file
        SELECT sha256, any_value(file_bytes), any_value(octet_length(file_bytes))
        FROM submission WHERE file_bytes IS NOT NULL GROUP BY sha256;
        UPDATE submission SET file_bytes = NULL
        WHERE file_bytes IS NOT NULL AND sha256 IN (SELECT sha256 FROM upload_file);
        -- One committed import per (unit, file): the key is claimed inside the commit's transaction, so two
        -- tabs sending the same file at once commit it once (the other's transaction conflicts and rolls back).
        -- unit '' is a file whose rows name their own units.
        CREATE TABLE committed_file (
            unit          VARCHAR NOT NULL,
            sha256        VARCHAR NOT NULL,
            submission_id BIGINT NOT NULL,
            PRIMARY KEY (unit, sha256)
        );
        INSERT INTO committed_file
        SELECT coalesce(unit, ''), sha256, min(id) FROM submission WHERE outcome = 'committed' GROUP BY ALL;
        """,
    ),
    (
        7,
        """
        -- 档案资料 (issue 13): evidence files, once each by their sha256, and what each is attached to (a
        -- measurement, a task, an acceptance, an item, an inspection finding), by whom and when. A removal
        -- keeps the row (removed_at/by): the archive of what was shown stays explainable.
        CREATE TABLE evidence_file (
            sha256        VARCHAR PRIMARY KEY,
            bytes         BLOB NOT NULL,
            size          BIGINT NOT NULL,
            mime          VARCHAR NOT NULL,      -- from the content, never from the name
            first_name    VARCHAR NOT NULL,
            stored_at     TIMESTAMP NOT NULL,
            stored_by     VARCHAR NOT NULL
        );
        CREATE SEQUENCE evidence_link_id START 1;
        CREATE TABLE evidence_link (
            id            BIGINT PRIMARY KEY DEFAULT nextval('evidence_link_id'),
            sha256        VARCHAR NOT NULL,
            target        VARCHAR NOT NULL,      -- measurement | task | acceptance | item | finding
            target_id     VARCHAR NOT NULL,
            file_name     VARCHAR NOT NULL,
            attached_at   TIMESTAMP NOT NULL,
            attached_by   VARCHAR NOT NULL,
            note          VARCHAR NOT NULL DEFAULT '',
            removed_at    TIMESTAMP,
            removed_by    VARCHAR
        );
        """,
    ),
    (
        8,
        """
        -- Every briefing the office issued (印发, issue 13): the exact bytes sent out, so a re-download is the same
        -- document whatever the data says later. 文号 identifies a document: UNIQUE refuses a second use even when
        -- two tabs issue at once. Rows are only ever inserted, so the index costs nothing on UPDATE.
        CREATE SEQUENCE briefing_issue_id START 1;
        CREATE TABLE briefing_issue (
            id            BIGINT PRIMARY KEY DEFAULT nextval('briefing_issue_id'),
            number        VARCHAR NOT NULL UNIQUE,  -- 文号, e.g. 扎创卫办〔2025〕12号
            issue_no      VARCHAR,                  -- 期数 as printed, e.g. 第3期
            as_of         DATE NOT NULL,
            known_then    BOOLEAN NOT NULL,         -- built 「按当时已知」 (only what was recorded by as_of)
            issued_at     TIMESTAMP NOT NULL,
            issued_by     VARCHAR NOT NULL,
            sha256        VARCHAR NOT NULL,
            bytes         BLOB NOT NULL,
            file_name     VARCHAR NOT NULL
        );
        """,
    ),
    (
        9,
        """
        -- Task events get an id: two events in the same second (opened and moved on at once) are told apart
        -- by their order of insertion, so the ledger's status is the last change, not either of the two.
        CREATE SEQUENCE task_event_id START 1;
        ALTER TABLE task_event ADD COLUMN id BIGINT DEFAULT nextval('task_event_id');
        -- 督办通知 (issue 13): every reminder sent from 迟报督办, with the figures it named and the document
        -- itself (bytes and sha256), so the unit page can show who was reminded of what, and when.
        CREATE SEQUENCE reminder_id START 1;
        CREATE TABLE reminder (
            id            BIGINT PRIMARY KEY DEFAULT nextval('reminder_id'),
            doc_number    VARCHAR NOT NULL,      -- the office's 文号, e.g. 创卫办督〔2024〕3号
            unit          VARCHAR NOT NULL,      -- canonical unit name
            figures_json  VARCHAR NOT NULL,      -- [{metric, name, period_label, deadline, days_late}]
            sent_at       TIMESTAMP NOT NULL,
            sent_by       VARCHAR NOT NULL,
            file_name     VARCHAR NOT NULL,
            file_bytes    BLOB NOT NULL,
            sha256        VARCHAR NOT NULL
        );
        """,
    ),
    (
        10,
        """
        -- 检查与暗访 (issue 14): the site register, inspection rounds with the sites drawn for them, findings
        -- and every step of their loop (finding_event). A finding opens a ledger task (task_id) for its unit.
        CREATE SEQUENCE site_id START 1;
        CREATE TABLE site (
            id            BIGINT PRIMARY KEY DEFAULT nextval('site_id'),
            type          VARCHAR NOT NULL,      -- a name of indicators/site_types.yaml
            name          VARCHAR NOT NULL,
            street        VARCHAR,               -- street or township (canonical unit name)
            address       VARCHAR,
            units         VARCHAR[] NOT NULL,    -- responsible units, lead first
            created_at    TIMESTAMP NOT NULL,
            created_by    VARCHAR NOT NULL
        );
        CREATE SEQUENCE inspection_round_id START 1;
        CREATE TABLE inspection_round (
            id            BIGINT PRIMARY KEY DEFAULT nextval('inspection_round_id'),
            kind          VARCHAR NOT NULL,      -- 单位自查 | 模拟检查 | 上级考核检查 | 暗访
            name          VARCHAR NOT NULL,
            starts        DATE NOT NULL,
            ends          DATE NOT NULL,
            team          VARCHAR,
            scope         VARCHAR,               -- JSON: {"streets": [...], "types": [...], "per_group": n}
            seed          BIGINT,                -- the random draw's seed (暗访), so the sample can be drawn again
            created_at    TIMESTAMP NOT NULL,
            created_by    VARCHAR NOT NULL
        );
        CREATE TABLE round_site (
            round_id      BIGINT NOT NULL,
            site_id       BIGINT NOT NULL
        );
        CREATE SEQUENCE finding_id START 1;
        CREATE TABLE finding (
            id            BIGINT PRIMARY KEY DEFAULT nextval('finding_id'),
            round_id      BIGINT NOT NULL,
            site_id       BIGINT NOT NULL,
            check_code    VARCHAR NOT NULL,      -- the check of the site type
            item          INTEGER NOT NULL,
            metric        VARCHAR NOT NULL,
            description   VARCHAR NOT NULL,
            severity      VARCHAR NOT NULL,      -- 一般 | 严重 | 否决风险
            unit          VARCHAR NOT NULL,      -- responsible unit (canonical)
            found_on      DATE NOT NULL,
            deadline      DATE NOT NULL,
            status        VARCHAR NOT NULL,      -- open | answered | closed
            task_id       BIGINT,
            recorded_at   TIMESTAMP NOT NULL,
            recorded_by   VARCHAR NOT NULL,
            closed_at     TIMESTAMP,
            source_sha256 VARCHAR,               -- the imported file (upload_file), null when entered on the page
            source_row    INTEGER
        );
        CREATE TABLE finding_event (
            finding_id    BIGINT NOT NULL,
            happened_at   TIMESTAMP NOT NULL,
            actor         VARCHAR NOT NULL,
            from_status   VARCHAR,
            to_status     VARCHAR NOT NULL,
            note          VARCHAR,
            photo_sha256  VARCHAR                -- a photo stored with the step (evidence files)
        );
        -- A round's pass rates written as figures: which submission carries them (a later computation supersedes).
        CREATE TABLE round_measurement (
            round_id      BIGINT NOT NULL,
            submission_id BIGINT NOT NULL
        );
        """,
    ),
    (
        12,
        """
        -- Each unit's latest figure per metric/area/period as known now (tracker.engine.counting.refresh_summary),
        -- kept in each commit's transaction, so an evaluation of the present reads a few thousand rows instead
        -- of grouping every measurement; the mark says which measurements it has seen (a stale one is not read).
        CREATE TABLE latest_by_unit (
            key           HUGEINT NOT NULL,      -- recorded_at, then id: tracker.engine.counting.KEY
            id            BIGINT NOT NULL,
            metric        VARCHAR NOT NULL,
            unit          VARCHAR NOT NULL,
            area          VARCHAR,
            period_start  DATE NOT NULL,
            period_end    DATE NOT NULL,
            period_label  VARCHAR NOT NULL,
            value         DOUBLE,
            recorded_at   TIMESTAMP NOT NULL
        );
        CREATE TABLE latest_by_unit_mark (rows BIGINT NOT NULL, max_id BIGINT NOT NULL);
        """,
    ),
    (
        22,
        """
        -- The audit head signed with the installation's key (tracker.access.keys, a file outside the database):
        -- rows cut from the end of the chain and the head rewritten, deleted or dropped with SQL are found.
        ALTER TABLE audit_head ADD COLUMN mac VARCHAR;
        """,
    ),
    (
        23,
        """
        -- Failed sign-ins counted per typed name and per tab (tracker.access.users): a flood is paused.
        -- No key constraint: rows are read and written under the one writer, and DuckDB's index would refuse
        -- a row updated twice in one transaction.
        CREATE TABLE login_throttle (
            key           VARCHAR NOT NULL,      -- 'name:<canonical name>' or 'client:<tab>'
            failures      INTEGER NOT NULL,      -- since first_at
            first_at      TIMESTAMP NOT NULL,
            blocked_until TIMESTAMP
        );
        """,
    ),
    (
        24,
        """
        -- The catalogue's versions (issue 21): each change of indicators/ as a writing connection loaded it, with
        -- its fingerprint and every metric's rule, so a verdict as known at a moment uses the rules then in force
        -- (tracker.engine.catalogue_versions). Rows are only ever inserted.
        CREATE SEQUENCE cat_version_id START 1;
        CREATE TABLE cat_version (
            id            BIGINT PRIMARY KEY DEFAULT nextval('cat_version_id'),
            fingerprint   VARCHAR NOT NULL,      -- tracker.engine.catalogue_tables: the hash of the catalogue's rows
            loaded_at     TIMESTAMP NOT NULL,
            rules         VARCHAR NOT NULL       -- JSON {metric: {"rule": {...}, "areas": [...]}}
        );
        """,
    ),
    (
        25,
        """
        -- Raw files are kept compressed from now on, and of the uploads that stored nothing (all refused, or
        -- unreadable) per unit only the newest are kept whole (tracker.ingest.raw_files, issue 22): beyond the cap
        -- the bytes go, the row (sha256, size) and its submissions stay. Readers unpack with raw_files.unpack.
        ALTER TABLE upload_file ADD COLUMN packed VARCHAR;        -- null: the bytes as sent; 'zlib': compressed
        ALTER TABLE upload_file ADD COLUMN dropped_at TIMESTAMP;  -- when the cap dropped the bytes (bytes null)
        ALTER TABLE upload_file ALTER COLUMN bytes DROP NOT NULL;
        """,
    ),
    (
        27,
        """
        -- The national form's office settings (issue 24: 国家卫生县（乡镇）数量 …), filled in on the 通报 page
        -- instead of in indicators/national_form.yaml; every change a new row (the latest counts) and audited.
        CREATE TABLE national_setting (
            key           VARCHAR NOT NULL,      -- the form's JSON key (indicators/national_form.yaml labels)
            value         VARCHAR NOT NULL,
            set_at        TIMESTAMP NOT NULL,
            set_by        VARCHAR NOT NULL
        );
        """,
    ),
    (
        28,
        """
        -- A drawn site inspected without a finding (issue 24, finding 7): the team's 「检查无问题」, so a pass rate
        -- counts only the sites someone looked at; a drawn site with neither this nor a finding is 未检查.
        ALTER TABLE round_site ADD COLUMN checked_on DATE;
        ALTER TABLE round_site ADD COLUMN checked_by VARCHAR;
        """,
    ),
]

# A migration number used twice would run on some databases and not on others: refuse at import. Numbers
# need not be consecutive (branches reserve theirs); each runs once, recorded in schema_version.
_numbers = [v for v, _ in MIGRATIONS]
assert _numbers == sorted(set(_numbers)), "migration numbers must be unique and increasing"
