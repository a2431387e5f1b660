import GRDB

/// The hub database's migrations: the shared record and conflict tables, plus the hub's own node and
/// rejection bookkeeping.
enum HubSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-records") { db in
            try RecordTable.createTable(db)
            try ConflictTable.createTable(db)
        }
        migrator.registerMigration("v1-nodes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE nodes(
                        id TEXT PRIMARY KEY NOT NULL,
                        high_water INTEGER NOT NULL DEFAULT 0,   -- highest sequence held (applied or refused)
                        last_contact_ms INTEGER,                 -- hub clock
                        data_as_of_ms INTEGER,                   -- hub clock: all changes up to here are held
                        backlog INTEGER NOT NULL DEFAULT 0,      -- entries still pending at the node
                        oldest_pending_ms INTEGER,               -- hub clock, NULL when nothing is pending
                        clock_offset_ms INTEGER NOT NULL DEFAULT 0,  -- node clock minus hub clock
                        changes_applied INTEGER NOT NULL DEFAULT 0,
                        conflicts INTEGER NOT NULL DEFAULT 0,
                        rejected_batches INTEGER NOT NULL DEFAULT 0,
                        rejected_changes INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        last_error_at_ms INTEGER
                    ) WITHOUT ROWID;
                    CREATE TABLE rejected_changes(
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        node TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        code TEXT NOT NULL,
                        message TEXT NOT NULL,
                        at_ms INTEGER NOT NULL
                    );
                    CREATE INDEX rejected_changes_by_node ON rejected_changes(node, seq);
                    """)
        }
        migrator.registerMigration("v2-feed") { db in
            try FeedTable.createTable(db)
            try FeedTable.backfill(db)
            try HubStore.createDownlinkTable(db)
        }
        migrator.registerMigration("v2-audit") { db in try AuditTable.createTable(db) }
        migrator.registerMigration("v2-credentials") { db in try CredentialTable.createTable(db) }
        migrator.registerMigration("v3-audit-record-links") { db in try AuditTable.migrateToRecordLinks(db) }
        migrator.registerMigration("v4-held-changes") { db in
            try HeldChangeTable.createTable(db)
            try SequenceDigestTable.createTable(db)
        }
        migrator.registerMigration("v4-node-quarantine") { db in
            // What the node holds quarantined (refused here): changes the hub lacks, honoured by the state.
            try db.execute(
                sql: """
                    ALTER TABLE nodes ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE nodes ADD COLUMN oldest_quarantined_ms INTEGER;
                    """)
        }
        migrator.registerMigration("v5-node-protocols") { db in
            // The protocol version of each node's last batch (README "Upgrade"): a new table, so no row of a
            // large hub is rewritten.
            try NodeProtocolTable.createTable(db)
        }
        migrator.registerMigration("v6-journal-marks") { db in try JournalMarks.createTable(db) }
        migrator.registerMigration("v6-journal") { db in
            // The audit log becomes the change journal (values, feed marks); the old feed table stays readable
            // below its head, new positions number on above it (`FeedPositions`). No row is rewritten.
            try AuditTable.migrateToJournal(db)
        }
        migrator.registerMigration("v7-audit-archives") { db in try AuditArchiveTable.createTables(db) }
        migrator.registerMigration("v7-tombstone-purge") { db in
            // The purge's candidates, oldest journal entry first, without a scan of every record; only tombstones
            // are in it, so a put never touches it.
            try db.execute(sql: "CREATE INDEX records_tombstones ON records(last_audit) WHERE op = 2")
            try PurgedRecordTable.createTable(db)
        }
        migrator.registerMigration("v7-conflict-retention") { db in try ConflictTable.createRetentionIndex(db) }
        migrator.registerMigration("v8-downlink-datasets") { db in try HubStore.addServedDatasets(db) }
        migrator.registerMigration("v9-sequence-digests") { db in
            // Digests only for changes no journal entry holds (refused, held back), within the retention.
            try SequenceDigestTable.migrateToRetainedRows(db)
        }
        migrator.registerMigration("v10-node-relay-path") { db in
            // The way a relayed node's last report came (README "Connectivity"), NULL for a direct node; and the
            // offset of the clock a node reports in, by which the hub converts the receive times it relays.
            try db.execute(
                sql: """
                    ALTER TABLE nodes ADD COLUMN relay_path TEXT;
                    ALTER TABLE nodes ADD COLUMN report_clock_offset_ms INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        return migrator
    }
}
