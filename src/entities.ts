import { AuditEvent } from './admin/audit-event.entity';
import { Client } from './clients/client.entity';
import { SigningKey } from './keys/signing-key.entity';
import { MailOutboxEntry } from './mail/mail-outbox.entity';
import { RecoveryToken } from './recovery/recovery-token.entity';
import { User } from './users/user.entity';
import { WebhookOutboxEntry } from './events/webhooks/webhook-outbox.entity';
import { MfaToken } from './factors/entities/mfa-token.entity';
import { PasskeyClient } from './factors/entities/passkey-client.entity';
import { Passkey } from './factors/entities/passkey.entity';
import { RecoveryCode } from './factors/entities/recovery-code.entity';
import { TotpFactor } from './factors/entities/totp-factor.entity';
import { WebauthnChallenge } from './factors/entities/webauthn-challenge.entity';

/** Every entity, for the app's and the TypeORM CLI's data source (database/ imports no feature). */
export const entities = [
  User,
  Client,
  SigningKey,
  AuditEvent,
  RecoveryToken,
  MailOutboxEntry,
  WebhookOutboxEntry,
  // Second factors (API.md §11).
  TotpFactor,
  Passkey,
  PasskeyClient,
  RecoveryCode,
  MfaToken,
  WebauthnChallenge,
];
