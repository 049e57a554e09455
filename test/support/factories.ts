import { randomBytes } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';

export interface TestUser {
  id: string;
  username: string;
  password: string;
}

export interface Session {
  accessToken: string;
  refreshToken?: string;
  clientId: string;
}

let counter = 0;

export function credentials(overrides: Partial<Omit<TestUser, 'id'>> = {}): Omit<TestUser, 'id'> {
  counter += 1;
  return { username: `user${counter}_${randomBytes(3).toString('hex')}`, password: 'correct horse battery', ...overrides };
}

export async function signUp(http: TestAgent, overrides: Partial<Omit<TestUser, 'id'>> = {}): Promise<TestUser> {
  const user = credentials(overrides);
  const response = await http.post('/users').send(user).expect(201);
  return { ...user, id: response.body.id };
}

export async function login(http: TestAgent, user: Omit<TestUser, 'id'>, permanent = true, userAgent = 'jest'): Promise<Session> {
  const response = await http
    .post(`/auth?permanent=${permanent}`)
    .set('user-agent', userAgent)
    .send({ username: user.username, password: user.password })
    .expect(200);
  return {
    accessToken: response.body.token.accessToken,
    refreshToken: response.body.token.refreshToken,
    clientId: response.body.user.clientId,
  };
}

export const bearer = (session: Session) => ({ authorization: `Bearer ${session.accessToken}` });
