import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

/** The file in a state directory that holds the control plane. */
export const CONTROL_PLANE_FILE = 'control-plane.sqlite';

/** The members the services keep as Dates (JSON stores them as ISO-8601 strings). */
const DATE_MEMBERS = new Set(['CreationTime', 'LastModifiedTime', 'Timestamp', 'created']);

/** Stored JSON, with the Date members given back as Dates. */
export function parseStored<T>(text: string): T {
  return JSON.parse(text, (key, value: unknown) => (DATE_MEMBERS.has(key) && typeof value === 'string' ? new Date(value) : value)) as T;
}

export interface StoredQueueMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  readonly receiveCount: number;
  readonly visibleAt: number;
  /** The first receive's time; undefined until the message is received. */
  readonly firstReceivedAt?: number;
  readonly deadLettered: boolean;
}

export interface StoredExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly input: string;
  readonly status: string;
  readonly startDate: number;
  readonly stopDate?: number;
  readonly result?: string;
}

export interface HistoryEvent {
  readonly id: number;
  readonly timestamp: number;
  readonly type: string;
  readonly details: Record<string, unknown>;
}

/**
 * The local control plane's durable state: one SQLite database (better-sqlite3) in the state
 * directory, so that executions with their history, the model registry, SageMaker's resources,
 * queued messages, alarm states, metrics and parameters survive a restart or a crash of
 * `mlops up`. Every write is its own transaction in WAL mode, on disk before the call returns to
 * the service (a kill -9 loses nothing a service acknowledged). `:memory:` keeps it in memory.
 */
export class ControlPlaneStore {
  private readonly db: Database.Database;

  private constructor(file: string, migrations: readonly string[]) {
    this.db = new Database(file);
    try {
      this.db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL loses nothing committed when the process dies (only on power loss).
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      migrate(this.db, file, migrations);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  /** Opens (creating and migrating) the store in `file`, or in memory for `:memory:`. */
  static open(file: string, migrations: readonly string[] = MIGRATIONS): ControlPlaneStore {
    return new ControlPlaneStore(file, migrations);
  }

  static inMemory(): ControlPlaneStore {
    return new ControlPlaneStore(':memory:', MIGRATIONS);
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Runs `work` as one transaction (all of its writes or none). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  // Step Functions

  saveExecution(e: StoredExecution): void {
    this.db
      .prepare(
        `INSERT INTO executions (execution_arn, name, input, status, start_date, stop_date, result)
         VALUES (@executionArn, @name, @input, @status, @startDate, @stopDate, @result)
         ON CONFLICT (execution_arn) DO UPDATE SET status = excluded.status, stop_date = excluded.stop_date, result = excluded.result`,
      )
      .run({ stopDate: null, result: null, ...e });
  }

  executions(): StoredExecution[] {
    const rows = this.db
      .prepare('SELECT execution_arn, name, input, status, start_date, stop_date, result FROM executions ORDER BY start_date, rowid')
      .all() as { execution_arn: string; name: string; input: string; status: string; start_date: number; stop_date: number | null; result: string | null }[];
    return rows.map((r) => ({
      executionArn: r.execution_arn,
      name: r.name,
      input: r.input,
      status: r.status,
      startDate: r.start_date,
      stopDate: r.stop_date ?? undefined,
      result: r.result ?? undefined,
    }));
  }

  appendHistoryEvent(executionArn: string, event: Omit<HistoryEvent, 'id'>): number {
    const id = this.transaction(() => {
      const last = this.db.prepare('SELECT MAX(id) AS id FROM execution_events WHERE execution_arn = ?').get(executionArn) as { id: number | null };
      const next = (last.id ?? 0) + 1;
      this.db
        .prepare('INSERT INTO execution_events (execution_arn, id, timestamp, type, details) VALUES (?, ?, ?, ?, ?)')
        .run(executionArn, next, event.timestamp, event.type, JSON.stringify(event.details));
      return next;
    });
    return id;
  }

  history(executionArn: string): HistoryEvent[] {
    const rows = this.db.prepare('SELECT id, timestamp, type, details FROM execution_events WHERE execution_arn = ? ORDER BY id').all(executionArn) as {
      id: number;
      timestamp: number;
      type: string;
      details: string;
    }[];
    return rows.map((r) => ({ id: r.id, timestamp: r.timestamp, type: r.type, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  // SageMaker

  saveResource(kind: string, name: string, body: unknown): void {
    this.db
      .prepare('INSERT INTO sagemaker_resources (kind, name, body) VALUES (?, ?, ?) ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body')
      .run(kind, name, JSON.stringify(body));
  }

  resources<T>(kind: string): T[] {
    const rows = this.db.prepare('SELECT body FROM sagemaker_resources WHERE kind = ? ORDER BY rowid').all(kind) as { body: string }[];
    return rows.map((r) => parseStored<T>(r.body));
  }

  /** The next version of a model package group: one more than any it ever had, so never reused. */
  nextModelPackageVersion(group: string): number {
    const row = this.db.prepare('SELECT MAX(version) AS version FROM model_packages WHERE group_name = ?').get(group) as { version: number | null };
    return (row.version ?? 0) + 1;
  }

  saveModelPackage(arn: string, group: string, version: number, body: unknown): void {
    this.db
      .prepare('INSERT INTO model_packages (arn, group_name, version, body) VALUES (?, ?, ?, ?) ON CONFLICT (arn) DO UPDATE SET body = excluded.body')
      .run(arn, group, version, JSON.stringify(body));
  }

  modelPackages<T>(): T[] {
    const rows = this.db.prepare('SELECT body FROM model_packages ORDER BY group_name, version').all() as { body: string }[];
    return rows.map((r) => parseStored<T>(r.body));
  }

  // SQS

  saveMessage(queueArn: string, m: StoredQueueMessage): void {
    this.db
      .prepare(
        `INSERT INTO queue_messages (queue_arn, message_id, body, sent_at, receive_count, visible_at, first_received_at, dead_lettered)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (queue_arn, message_id) DO UPDATE SET receive_count = excluded.receive_count, visible_at = excluded.visible_at,
           first_received_at = excluded.first_received_at, dead_lettered = excluded.dead_lettered`,
      )
      .run(queueArn, m.messageId, m.body, m.sentAt, m.receiveCount, m.visibleAt, m.firstReceivedAt ?? null, m.deadLettered ? 1 : 0);
  }

  deleteMessage(queueArn: string, messageId: string): void {
    this.db.prepare('DELETE FROM queue_messages WHERE queue_arn = ? AND message_id = ?').run(queueArn, messageId);
  }

  messages(queueArn: string): StoredQueueMessage[] {
    const rows = this.db
      .prepare(
        'SELECT message_id, body, sent_at, receive_count, visible_at, first_received_at, dead_lettered FROM queue_messages WHERE queue_arn = ? ORDER BY sent_at, rowid',
      )
      .all(queueArn) as {
      message_id: string;
      body: string;
      sent_at: number;
      receive_count: number;
      visible_at: number;
      first_received_at: number | null;
      dead_lettered: number;
    }[];
    return rows.map((r) => ({
      messageId: r.message_id,
      body: r.body,
      sentAt: r.sent_at,
      receiveCount: r.receive_count,
      visibleAt: r.visible_at,
      firstReceivedAt: r.first_received_at ?? undefined,
      deadLettered: r.dead_lettered === 1,
    }));
  }

  // CloudWatch

  saveAlarmState(alarmName: string, state: string, updated: number): void {
    this.db
      .prepare(
        'INSERT INTO alarm_states (alarm_name, state, updated) VALUES (?, ?, ?) ON CONFLICT (alarm_name) DO UPDATE SET state = excluded.state, updated = excluded.updated',
      )
      .run(alarmName, state, updated);
  }

  alarmStates(): { alarmName: string; state: string }[] {
    return (this.db.prepare('SELECT alarm_name, state FROM alarm_states').all() as { alarm_name: string; state: string }[]).map((r) => ({
      alarmName: r.alarm_name,
      state: r.state,
    }));
  }

  saveDatum(metric: string, time: number, value: number): void {
    this.db.prepare('INSERT INTO metric_data (metric, time, value) VALUES (?, ?, ?)').run(metric, time, value);
  }

  metricData(): { metric: string; time: number; value: number }[] {
    return this.db.prepare('SELECT metric, time, value FROM metric_data ORDER BY metric, time, rowid').all() as {
      metric: string;
      time: number;
      value: number;
    }[];
  }

  // SSM

  saveParameter(name: string, value: string, version: number): void {
    this.db
      .prepare(
        'INSERT INTO parameters (name, value, version) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, version = excluded.version',
      )
      .run(name, value, version);
  }

  parameters(): { name: string; value: string; version: number }[] {
    return this.db.prepare('SELECT name, value, version FROM parameters ORDER BY name').all() as { name: string; value: string; version: number }[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Brings the database to the newest schema, refusing one a newer mlops made. */
function migrate(db: Database.Database, file: string, migrations: readonly string[]): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new Error(
      `${file} has control-plane schema version ${version}, newer than this mlops knows (${migrations.length}): it was written by a newer version; use that one, or another --dir`,
    );
  }
  for (let next = version; next < migrations.length; next++) {
    db.transaction(() => {
      db.exec(migrations[next]);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}
