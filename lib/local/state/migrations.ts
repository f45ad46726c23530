/**
 * The control plane's schema, as the ordered migrations that build it: migration i takes a
 * database at schema version i (SQLite's `user_version`) to i + 1. Append, never edit: a
 * database made by an older mlops is brought up to date by the ones it has not run yet.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: every resource the local services keep.
  `
  CREATE TABLE executions (
    execution_arn TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    input TEXT NOT NULL,
    status TEXT NOT NULL,
    start_date INTEGER NOT NULL,
    stop_date INTEGER,
    result TEXT
  );
  CREATE TABLE execution_events (
    execution_arn TEXT NOT NULL REFERENCES executions(execution_arn),
    id INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    type TEXT NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
  );
  CREATE TABLE sagemaker_resources (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, name)
  );
  CREATE TABLE model_packages (
    arn TEXT PRIMARY KEY,
    group_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (group_name, version)
  );
  CREATE TABLE queue_messages (
    queue_arn TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    dead_lettered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (queue_arn, message_id)
  );
  CREATE TABLE alarm_states (
    alarm_name TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    updated INTEGER NOT NULL
  );
  CREATE TABLE metric_data (
    metric TEXT NOT NULL,
    time INTEGER NOT NULL,
    value REAL NOT NULL
  );
  CREATE INDEX metric_data_by_metric ON metric_data (metric, time);
  CREATE TABLE parameters (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    version INTEGER NOT NULL
  );
  `,
  // 2: when a queued message was first received (SQS's ApproximateFirstReceiveTimestamp).
  `ALTER TABLE queue_messages ADD COLUMN first_received_at INTEGER;`,
];
