import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { IsNull, Not, QueryFailedError, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { isWellFormed } from '../common/well-formed.decorator';
import { Actor, SessionEventsService } from '../events';
import { SqlStatement } from '../database/sql-statement';
import { USERNAME_PATTERN } from './dto/create-user.dto';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';

/** What anyone may see of a user; immutable once signed up (there is no rename), so it is cached. */
export type UserProfile = Pick<User, 'id' | 'username' | 'createdAt'>;

const PROFILE_CACHE_SIZE = 10_000;

/** The read of every login, hand-written (see SqlStatement). */
const BY_USERNAME_KEY = `SELECT id, username, username_key, password_hash, created_at, password_changed_at, roles, disabled_at, mfa_enabled
  FROM users WHERE username_key = :usernameKey`;

interface UserRow {
  id: string;
  username: string;
  username_key: string;
  password_hash: string;
  created_at: string | number;
  password_changed_at: string | number;
  roles: string;
  disabled_at: string | number | null;
  mfa_enabled: boolean | number;
}

@Injectable()
export class UsersService {
  private readonly profiles = new LRUCache<string, UserProfile>({ max: PROFILE_CACHE_SIZE });

  private readonly byUsernameKey: SqlStatement<'usernameKey'>;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly events: SessionEventsService,
  ) {
    this.byUsernameKey = new SqlStatement(users.manager, BY_USERNAME_KEY, ['usernameKey']);
  }

  /** The user's public profile; read from the database once, then from memory (GET /me costs no query). */
  async profile(id: string): Promise<UserProfile> {
    const cached = this.profiles.get(id);
    if (cached) return cached;
    const { username, createdAt } = await this.findById(id);
    const profile = { id, username, createdAt };
    this.profiles.set(id, profile);
    return profile;
  }

  /** Signs a user up; `by` is who did (default: the new user, signing themselves up). */
  async create(username: string, password: string, options: { email?: string | null; by?: Actor } = {}): Promise<User> {
    const usernameKey = username.toLowerCase();
    if (await this.users.existsBy({ usernameKey })) throw usernameTaken();
    const now = new Date(this.clock.now());
    const user = this.users.create({
      id: randomUUID(),
      username,
      usernameKey,
      passwordHash: await this.hasher.hash(normalizePassword(password)),
      createdAt: now,
      passwordChangedAt: now,
      roles: '',
      disabledAt: null,
      email: options.email ?? null,
      emailVerifiedAt: null,
      pendingEmail: null,
    });
    try {
      await this.users.insert(user);
    } catch (error) {
      // Two sign-ups for one name at once: the unique index decides, the loser gets 409.
      if (error instanceof QueryFailedError && (await this.users.existsBy({ usernameKey }))) throw usernameTaken();
      throw error;
    }
    await this.events.emit('user.created', user.id, { username, by: options.by ?? { kind: 'user', userId: user.id } });
    return user;
  }

  async findByUsername(username: string): Promise<User> {
    const user = await this.users.findOneBy({ usernameKey: username.toLowerCase() });
    if (!user) throw new NotFoundException(`No user named ${username}`);
    return user;
  }

  /** The id of the user who holds this username now, or null; the same statement as a login's. */
  async idOf(username: string): Promise<string | null> {
    if (!USERNAME_PATTERN.test(username)) return null;
    const [row] = await this.byUsernameKey.rows<UserRow>({ usernameKey: username.toLowerCase() });
    return row?.id ?? null;
  }

  async findById(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  async setPassword(id: string, password: string): Promise<void> {
    const passwordHash = await this.hasher.hash(normalizePassword(password));
    // Strictly later than the previous change, so a login that checked the old password never opens a client.
    const user = await this.findById(id);
    const changedAt = new Date(Math.max(this.clock.now(), user.passwordChangedAt.getTime() + 1));
    await this.users.update({ id }, { passwordHash, passwordChangedAt: changedAt });
  }

  /** The account a verified address belongs to, or null (addresses are stored normalised). */
  async findByVerifiedEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email, emailVerifiedAt: Not(IsNull()) });
  }

  /**
   * Asks for a new address. While the user has a verified one, the new one waits in `pendingEmail` and
   * the verified one stays the recovery address (and is returned, to be told); without one, the new
   * address simply replaces the unverified one. `changed` false: it already is the verified address,
   * which stays, and any pending change is dropped.
   */
  async setPendingEmail(id: string, email: string): Promise<{ changed: boolean; notify: string | null }> {
    const user = await this.findById(id);
    if (!user.emailVerifiedAt) {
      await this.users.update({ id }, { email, pendingEmail: null });
      return { changed: true, notify: null };
    }
    if (user.email === email) {
      await this.users.update({ id }, { pendingEmail: null });
      return { changed: false, notify: null };
    }
    await this.users.update({ id }, { pendingEmail: email });
    return { changed: true, notify: user.email };
  }

  /**
   * Marks the address verified if it is still the one the user asked for (pending, or the unverified
   * `email`); it becomes the recovery address. False otherwise. Another account that verified it
   * first wins (the partial unique index decides): 409.
   */
  async markEmailVerified(id: string, email: string): Promise<boolean> {
    try {
      const { affected } = await this.users
        .createQueryBuilder()
        .update(User)
        .set({ email, emailVerifiedAt: new Date(this.clock.now()), pendingEmail: null })
        .where('id = :id AND (pending_email = :email OR (email = :email AND email_verified_at IS NULL))', { id, email })
        .execute();
      return Boolean(affected);
    } catch (error) {
      if (error instanceof QueryFailedError && (await this.findByVerifiedEmail(email))) {
        throw new ConflictException('This email address is already in use');
      }
      throw error;
    }
  }

  /**
   * The user whose password this is, or null. Costs the same argon2id verifies whether or not the
   * user exists: one per form of the password (see passwordForms).
   */
  async verifyCredentials(username: string, password: string): Promise<User | null> {
    const forms = passwordForms(password);
    // A name that could never have signed up is nobody, without a query: the Kelvin sign would
    // lower-case to "k", and a NUL is an error on PostgreSQL.
    if (!USERNAME_PATTERN.test(username) || !isWellFormed(password)) return this.nobody(forms);
    const [row] = await this.byUsernameKey.rows<UserRow>({ usernameKey: username.toLowerCase() });
    if (!row) return this.nobody(forms);
    for (const form of forms) {
      if (!(await this.hasher.verify(row.password_hash, form))) continue;
      if (form !== forms[0]) row.password_hash = await this.rehash(row, forms[0]);
      return toUser(row);
    }
    return null;
  }

  private async nobody(forms: string[]): Promise<null> {
    for (const form of forms) await this.hasher.verifyAgainstDummy(form);
    return null;
  }

  /** A hash made before normalisation, replaced unless the password changed meanwhile. */
  private async rehash(row: UserRow, normalized: string): Promise<string> {
    const passwordHash = await this.hasher.hash(normalized);
    const { affected } = await this.users.update({ id: row.id, passwordHash: row.password_hash }, { passwordHash });
    return affected ? passwordHash : row.password_hash;
  }
}

/*
 * NIST SP 800-63B asks for NFKC or NFKD before hashing: a password typed as a precomposed "é" or as
 * "e" plus a combining accent, or in fullwidth letters, is one password. Hashes made before this
 * rule are of the raw string, so a login that changes under NFKC also tries the raw form.
 */
function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

function passwordForms(password: string): string[] {
  const normalized = normalizePassword(password);
  return normalized === password ? [password] : [normalized, password];
}

function toUser(row: UserRow): User {
  return Object.assign(new User(), {
    id: row.id,
    username: row.username,
    usernameKey: row.username_key,
    passwordHash: row.password_hash,
    createdAt: new Date(Number(row.created_at)),
    passwordChangedAt: new Date(Number(row.password_changed_at)),
    roles: row.roles,
    disabledAt: row.disabled_at === null ? null : new Date(Number(row.disabled_at)),
    mfaEnabled: Boolean(row.mfa_enabled),
  });
}

function usernameTaken(): ConflictException {
  return new ConflictException('Username is already taken');
}
