import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { SqlStatement } from '../database/sql-statement';
import { Client, ClientExpiry, RECENT_SPENT_HASHES } from './client.entity';

/**
 * The clients module's hand-written statements (see SqlStatement): the login's INSERT, the cap on
 * live clients, and the refresh's rotation. Services hold the rules; this holds the SQL.
 */

/*
 * Made only while the user is enabled and the password is still the one the login checked: a password change that ran
 * meanwhile has ended every other client already, or is about to, and this one must not slip through.
 * On PostgreSQL the user row is locked FOR SHARE, so a concurrent change waits for this INSERT (and
 * then ends its client) or this INSERT sees the change; on SQLite the statement's write lock covers its
 * read. Columns left out start NULL or ''. The casts type parameters that do not go straight into a column.
 */
const INSERT = `INSERT INTO clients
  (id, user_id, permanent, refresh_token_hash, created_at, authenticated_at, last_used_at, expires_at, session_expires_at, ip, user_agent, scope,
   dpop_jkt, application_id, amr)
  SELECT :id, id, CAST(:permanent AS BOOLEAN), :refreshTokenHash, CAST(:now AS BIGINT), CAST(:authenticatedAt AS BIGINT), CAST(:now AS BIGINT),
    CAST(:expiresAt AS BIGINT), CAST(:sessionExpiresAt AS BIGINT), :ip, :userAgent, :scope, :dpopJkt, :applicationId, :amr
  FROM users WHERE id = :userId AND password_changed_at = :passwordChangedAt AND disabled_at IS NULL`;
const INSERT_PARAMETERS = [
  'id',
  'userId',
  'passwordChangedAt',
  'permanent',
  'refreshTokenHash',
  'now',
  'authenticatedAt',
  'expiresAt',
  'sessionExpiresAt',
  'ip',
  'userAgent',
  'scope',
  'dpopJkt',
  'applicationId',
  'amr',
] as const;
export type NewClient = Record<(typeof INSERT_PARAMETERS)[number], unknown>;

/*
 * Runs after every login's INSERT has committed: ends the user's live clients beyond the `max` most
 * recently used. Each login runs it after its own INSERT, so the last of several concurrent logins
 * sees all of them and the cap holds, and the `ended_at IS NULL` recheck ends each client once. In a
 * burst of logins beyond the cap, the burst's own least recent clients may be among those ended.
 * PostgreSQL runs it in a transaction, after a lock on the user's row (CAP_TURN): one user's runs take
 * turns, each ranking from a snapshot taken after the previous one committed. Concurrent runs would
 * rank from different snapshots (refreshes move last_used_at): they locked overlapping clients in
 * different orders (a deadlock), and one could end a client the other had already kept in its place
 * (one device too many ended). Other users' logins never wait for that lock.
 */
const END_BEYOND_CAP = (allRows: string, [userId, now, max] = [':userId', ':now', ':max']) => `UPDATE clients
  SET ended_at = ${now}, end_reason = 'limit', sealed_successor = NULL
  WHERE ended_at IS NULL AND id IN (
    SELECT id FROM clients WHERE user_id = ${userId} AND ended_at IS NULL AND expires_at > ${now}
    ORDER BY last_used_at DESC, created_at DESC, id DESC LIMIT ${allRows} OFFSET ${max})
  RETURNING id, user_id, application_id`;
const CAP_TURN = 'SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE';
// As a query (not an UPDATE) TypeORM answers its rows alone.
const CAP_IN_TURN = `WITH ended AS (${END_BEYOND_CAP('ALL', ['$1', '$2', '$3'])}) SELECT * FROM ended`;
const END_BEYOND_CAP_PARAMETERS = ['userId', 'now', 'max'] as const;

/*
 * The refresh: rotates only if the presented hash is still the live one and the client is live, pushes
 * the presented hash onto the recent spent hashes, moves the idle deadline (never past the absolute
 * one), and returns what the access token needs (the user's roles by primary key: no second query).
 * A disabled user's clients have all ended, so `ended_at IS NULL` refuses their refresh. A client bound
 * to a DPoP key rotates only for a proof by that key (a NULL :dpopJkt matches no bound client); an
 * unbound one presented with a proof becomes bound to it (API.md §14). rotated_at comes from the database's clock as the
 * statement runs, so the grace window counts from the commit, not from a request that waited out a stall.
 */
const ROTATE = (dbNow: string) => `UPDATE clients SET
  refresh_token_hash = :successorHash,
  previous_refresh_token_hash = :presentedHash,
  recent_spent_hashes = substr(:presentedHash || recent_spent_hashes, 1, ${RECENT_SPENT_HASHES * 64}),
  sealed_successor = :sealedSuccessor,
  rotated_at = ${dbNow},
  last_used_at = :now,
  expires_at = CASE WHEN session_expires_at < :idleDeadline THEN session_expires_at ELSE :idleDeadline END,
  ip = :ip,
  user_agent = :userAgent,
  dpop_jkt = COALESCE(dpop_jkt, :dpopJkt)
WHERE id = :id AND refresh_token_hash = :presentedHash AND ended_at IS NULL AND expires_at > :now
  AND (dpop_jkt IS NULL OR dpop_jkt = :dpopJkt)
RETURNING user_id, expires_at, session_expires_at, authenticated_at, scope, dpop_jkt, application_id, amr,
  (SELECT roles FROM users WHERE users.id = clients.user_id) AS roles`;
const ROTATE_PARAMETERS = ['id', 'presentedHash', 'successorHash', 'sealedSuccessor', 'now', 'idleDeadline', 'ip', 'userAgent', 'dpopJkt'] as const;
export type Rotation = Record<(typeof ROTATE_PARAMETERS)[number], unknown>;

/*
 * The user proved who they are again on this live client (POST /auth/reauthenticate): its
 * authenticated_at moves, so this token and every later refresh carry the new auth_time. Returns what
 * the access token needs, like ROTATE; nothing for an ended or expired client.
 */
const REAUTHENTICATE = `UPDATE clients SET authenticated_at = :now, amr = :amr
WHERE id = :id AND user_id = :userId AND ended_at IS NULL AND expires_at > :now
RETURNING expires_at, scope, amr, dpop_jkt, (SELECT roles FROM users WHERE users.id = clients.user_id) AS roles`;

export type ReauthenticatedRow = Pick<RotatedRow, 'expires_at' | 'scope' | 'amr' | 'roles' | 'dpop_jkt'>;

/** Whether the presented hash is the one the last rotation replaced, within grace by the database's clock. */
const WITHIN_GRACE = (dbNow: string) => `SELECT id FROM clients
  WHERE id = :id AND previous_refresh_token_hash = :presentedHash AND rotated_at >= ${dbNow} - :graceMs`;

/*
 * The endings: one conditional UPDATE each, so only clients still live are touched and ending is
 * idempotent; a concurrent refresh either lands before it (its tokens die with the client) or finds
 * it ended. RETURNING names the clients this statement ended, one session.ended each.
 */
const END = (where: string) => `UPDATE clients SET ended_at = :now, end_reason = :reason, sealed_successor = NULL,
  ended_by_ip = :ip, ended_by_user_agent = :userAgent
  WHERE ${where} AND ended_at IS NULL AND expires_at > :now
  RETURNING id, user_id, application_id`;
const END_PARAMETERS = ['now', 'reason', 'ip', 'userAgent'] as const;

/*
 * A client whose deadline passed has no moment of ending in the database: the first run of this
 * statement after it (pruning, or a refresh that finds it expired) records which deadline passed in
 * end_reason, leaving ended_at NULL, and names it once for its session.ended.
 */
const MARK_EXPIRED = (where: string) => `UPDATE clients SET end_reason =
    CASE WHEN NOT permanent THEN 'expired' WHEN expires_at >= session_expires_at THEN 'absolute' ELSE 'idle' END
  WHERE ${where} ended_at IS NULL AND end_reason IS NULL AND expires_at <= :now
  RETURNING id, user_id, application_id, end_reason`;

export interface EndedRow {
  id: string;
  user_id: string;
  /** The application (its client_id) the client was opened for, if any: its session.ended names it. */
  application_id: string | null;
}

export interface ExpiredRow extends EndedRow {
  end_reason: ClientExpiry;
}

export type EndValues = Record<(typeof END_PARAMETERS)[number], unknown>;

export interface RotatedRow {
  user_id: string;
  expires_at: string | number;
  session_expires_at: string | number;
  authenticated_at: string | number;
  scope: string | null;
  dpop_jkt: string | null;
  application_id: string | null;
  amr: string;
  roles: string | null;
}

@Injectable()
export class ClientsRepository {
  private readonly insertStatement: SqlStatement<(typeof INSERT_PARAMETERS)[number]>;
  private readonly capStatement: SqlStatement<(typeof END_BEYOND_CAP_PARAMETERS)[number]> | null;
  private readonly manager: EntityManager;
  private readonly rotateStatement: SqlStatement<(typeof ROTATE_PARAMETERS)[number]>;
  private readonly reauthenticateStatement: SqlStatement<'id' | 'userId' | 'now' | 'amr'>;
  private readonly graceStatement: SqlStatement<'id' | 'presentedHash' | 'graceMs'>;
  private readonly endOneStatement: SqlStatement<(typeof END_PARAMETERS)[number] | 'id' | 'userId'>;
  private readonly endByIdStatement: SqlStatement<(typeof END_PARAMETERS)[number] | 'id'>;
  private readonly endAllExceptStatement: SqlStatement<(typeof END_PARAMETERS)[number] | 'userId' | 'keepId'>;
  private readonly endForApplicationStatement: SqlStatement<(typeof END_PARAMETERS)[number] | 'applicationId' | 'userId'>;
  private readonly markExpiredStatement: SqlStatement<'now'>;
  private readonly markOneExpiredStatement: SqlStatement<'now' | 'id'>;

  constructor(@InjectRepository(Client) clients: Repository<Client>) {
    const postgres = clients.manager.connection.options.type === 'postgres';
    const dbNow = postgres ? '(extract(epoch from clock_timestamp()) * 1000)::bigint' : "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
    this.insertStatement = new SqlStatement(clients.manager, `${INSERT}${postgres ? ' FOR SHARE' : ''} RETURNING id`, INSERT_PARAMETERS);
    this.capStatement = postgres ? null : new SqlStatement(clients.manager, END_BEYOND_CAP('-1'), END_BEYOND_CAP_PARAMETERS);
    this.manager = clients.manager;
    this.rotateStatement = new SqlStatement(clients.manager, ROTATE(dbNow), ROTATE_PARAMETERS);
    this.reauthenticateStatement = new SqlStatement(clients.manager, REAUTHENTICATE, ['id', 'userId', 'now', 'amr']);
    this.graceStatement = new SqlStatement(clients.manager, WITHIN_GRACE(dbNow), ['id', 'presentedHash', 'graceMs']);
    this.endOneStatement = new SqlStatement(clients.manager, END('id = :id AND user_id = :userId'), [...END_PARAMETERS, 'id', 'userId']);
    this.endByIdStatement = new SqlStatement(clients.manager, END('id = :id'), [...END_PARAMETERS, 'id']);
    this.endAllExceptStatement = new SqlStatement(clients.manager, END('user_id = :userId AND id <> :keepId'), [
      ...END_PARAMETERS,
      'userId',
      'keepId',
    ]);
    // An application's clients (API.md §13): all of them, or one user's (:userId NULL matches every user).
    this.endForApplicationStatement = new SqlStatement(
      clients.manager,
      END('application_id = :applicationId AND (CAST(:userId AS VARCHAR(36)) IS NULL OR user_id = :userId)'),
      [...END_PARAMETERS, 'applicationId', 'userId'],
    );
    this.markExpiredStatement = new SqlStatement(clients.manager, MARK_EXPIRED(''), ['now']);
    this.markOneExpiredStatement = new SqlStatement(clients.manager, MARK_EXPIRED('id = :id AND'), ['now', 'id']);
  }

  /** True if the client was inserted (the user exists and the password is the one checked). */
  async insert(client: NewClient): Promise<boolean> {
    return (await this.insertStatement.rows(client)).length > 0;
  }

  /** Ends the user's least recently used live clients beyond `max`; their ids. */
  async endBeyondCap(userId: string, max: number, now: number): Promise<EndedRow[]> {
    if (this.capStatement) return this.capStatement.rows<EndedRow>({ userId, now, max });
    return this.manager.transaction(async (inTurn) => {
      await inTurn.query(CAP_TURN, [userId]);
      return inTurn.query<EndedRow[]>(CAP_IN_TURN, [userId, now, max]);
    });
  }

  /** The rotated client's row, or undefined when the UPDATE matched nothing. */
  async rotate(rotation: Rotation): Promise<RotatedRow | undefined> {
    const [row] = await this.rotateStatement.rows<RotatedRow>(rotation);
    return row;
  }

  /** Moves the live client's authenticated_at to `now` and sets its amr; its row, or undefined when it is not live. */
  async reauthenticate(id: string, userId: string, now: number, amr: string): Promise<ReauthenticatedRow | undefined> {
    const [row] = await this.reauthenticateStatement.rows<ReauthenticatedRow>({ id, userId, now, amr });
    return row;
  }

  async rotatedWithinGrace(id: string, presentedHash: string, graceMs: number): Promise<boolean> {
    return (await this.graceStatement.rows({ id, presentedHash, graceMs })).length > 0;
  }

  /** Ends the user's client `id` if it is live; the ended row, if any. */
  endOne(values: EndValues & { id: string; userId: string }): Promise<EndedRow[]> {
    return this.endOneStatement.rows<EndedRow>(values);
  }

  /** Ends client `id` whoever it belongs to, if it is live. */
  endById(values: EndValues & { id: string }): Promise<EndedRow[]> {
    return this.endByIdStatement.rows<EndedRow>(values);
  }

  /** Ends every live client of the user but `keepId`. */
  endAllExcept(values: EndValues & { userId: string; keepId: string }): Promise<EndedRow[]> {
    return this.endAllExceptStatement.rows<EndedRow>(values);
  }

  /** Ends the live clients of an application, of one user or of all. */
  endForApplication(values: EndValues & { applicationId: string; userId: string | null }): Promise<EndedRow[]> {
    return this.endForApplicationStatement.rows<EndedRow>(values);
  }

  /** Records the passed deadline of expired clients not yet announced (all, or client `id`); those it marked. */
  markExpired(now: number, id?: string): Promise<ExpiredRow[]> {
    return id === undefined ? this.markExpiredStatement.rows<ExpiredRow>({ now }) : this.markOneExpiredStatement.rows<ExpiredRow>({ now, id });
  }
}
