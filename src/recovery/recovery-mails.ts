import type { MailMessage } from '../mail';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function message(to: string, subject: string, lines: string[], link?: { url: string; label: string }): MailMessage {
  const text = [...lines, ...(link ? ['', `${link.label}: ${link.url}`] : [])].join('\n');
  const html = [
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`] : []),
  ].join('\n');
  return { to, subject, text, html };
}

const minutes = (seconds: number) => Math.round(seconds / 60);

export function resetMail(to: string, url: string, ttlSeconds: number): MailMessage {
  return message(
    to,
    'Reset your password',
    [
      'Someone asked to reset the password of your account.',
      `If it was you, follow the link within ${minutes(ttlSeconds)} minutes. It works once; every device will be signed out.`,
      'If it was not you, ignore this mail: your password stays as it is.',
    ],
    { url, label: 'Choose a new password' },
  );
}

export function verifyMail(to: string, url: string, ttlSeconds: number): MailMessage {
  return message(
    to,
    'Confirm your email address',
    [
      `Confirm that this address belongs to your account within ${minutes(ttlSeconds)} minutes, while signed in.`,
      'If you did not ask for this, ignore this mail.',
    ],
    { url, label: 'Confirm this address' },
  );
}

export function emailChangedMail(to: string): MailMessage {
  return message(to, 'A change of your account email was requested', [
    'Someone signed in to your account asked to use another email address for it.',
    'This address stays the one for password resets until the new address is confirmed through the link mailed to it.',
    'If you did not do this, reset your password now and review your signed-in devices.',
  ]);
}
