import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { QueryFailedError, Repository } from 'typeorm';
import { SqlStatement } from '../database/sql-statement';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';
import { User } from './user.entity';

/** What anyone may see of a user; immutable once signed up (there is no rename), so it is cached. */
export type UserProfile = Pick<User, 'id' | 'username' | 'createdAt'>;

const PROFILE_CACHE_SIZE = 10_000;

/** The read of every login, hand-written (see SqlStatement). */
const BY_USERNAME_KEY = `SELECT id, username, username_key, password_hash, created_at, password_changed_at
  FROM users WHERE username_key = :usernameKey`;

interface UserRow {
  id: string;
  username: string;
  username_key: string;
  password_hash: string;
  created_at: string | number;
  password_changed_at: string | number;
}

@Injectable()
export class UsersService {
  private readonly profiles = new Map<string, UserProfile>();

  private readonly byUsernameKey: SqlStatement<'usernameKey'>;

  constructor(@InjectRepository(User) private readonly users: Repository<User>) {
    this.byUsernameKey = new SqlStatement(users.manager, BY_USERNAME_KEY, ['usernameKey']);
  }

  /** The user's public profile; read from the database once, then from memory (GET /me costs no query). */
  async profile(id: string): Promise<UserProfile> {
    const cached = this.profiles.get(id);
    if (cached) return cached;
    const { username, createdAt } = await this.findById(id);
    if (this.profiles.size >= PROFILE_CACHE_SIZE) this.profiles.delete(this.profiles.keys().next().value as string);
    const profile = { id, username, createdAt };
    this.profiles.set(id, profile);
    return profile;
  }

  async create(username: string, password: string): Promise<User> {
    const usernameKey = username.toLowerCase();
    if (await this.users.existsBy({ usernameKey })) throw usernameTaken();
    const now = new Date();
    const user = this.users.create({
      id: randomUUID(),
      username,
      usernameKey,
      passwordHash: await hashPassword(password),
      createdAt: now,
      passwordChangedAt: now,
    });
    try {
      await this.users.insert(user);
    } catch (error) {
      // Two sign-ups for one name at once: the unique index decides, the loser gets 409.
      if (error instanceof QueryFailedError && (await this.users.existsBy({ usernameKey }))) throw usernameTaken();
      throw error;
    }
    return user;
  }

  async findByUsername(username: string): Promise<User> {
    const user = await this.users.findOneBy({ usernameKey: username.toLowerCase() });
    if (!user) throw new NotFoundException(`No user named ${username}`);
    return user;
  }

  async findById(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  async setPassword(id: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    // Strictly later than the previous change, so a login that checked the old password never opens a client.
    const user = await this.findById(id);
    const changedAt = new Date(Math.max(Date.now(), user.passwordChangedAt.getTime() + 1));
    await this.users.update({ id }, { passwordHash, passwordChangedAt: changedAt });
  }

  /** The user whose password this is, or null; costs one argon2id verify either way. */
  async verifyCredentials(username: string, password: string): Promise<User | null> {
    const [row] = await this.byUsernameKey.rows<UserRow>({ usernameKey: username.toLowerCase() });
    if (!row) return verifyAgainstDummy(password).then(() => null);
    return (await verifyPassword(row.password_hash, password)) ? toUser(row) : null;
  }
}

function toUser(row: UserRow): User {
  return Object.assign(new User(), {
    id: row.id,
    username: row.username,
    usernameKey: row.username_key,
    passwordHash: row.password_hash,
    createdAt: new Date(Number(row.created_at)),
    passwordChangedAt: new Date(Number(row.password_changed_at)),
  });
}

function usernameTaken(): ConflictException {
  return new ConflictException('Username is already taken');
}
