import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('hides the password and keeps everything a reader needs', () => {
    expect(redactUrl('postgres://app:s3cret@db.internal:5432/mlinfra?sslmode=require')).toBe(
      'postgres://app:***@db.internal:5432/mlinfra?sslmode=require',
    );
    expect(redactUrl(new URL('postgresql://app:p%40ss@host/db'))).toBe(
      'postgresql://app:***@host/db',
    );
    expect(redactUrl('postgres://app@host/db')).toBe('postgres://app@host/db');
    expect(redactUrl('s3://bucket/prefix')).toBe('s3://bucket/prefix');
  });

  it('hides query parameters that carry secrets', () => {
    const shown = redactUrl(
      'postgres://host/db?password=hunter2&sslpassword=pem-secret&sslmode=verify-full&application_name=x',
    );
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('pem-secret');
    expect(shown).toContain('sslmode=verify-full');
    expect(shown).toContain('application_name=x');
    const presigned = redactUrl(
      'https://s3.example.com/b/k?X-Amz-Credential=AKIA%2F20260101&X-Amz-Signature=abcdef123456',
    );
    expect(presigned).not.toContain('abcdef123456');
    expect(presigned).not.toContain('AKIA');
  });

  it('redacts URLs inside text that is not itself a URL', () => {
    expect(redactUrl('connect to postgres://u:topsecret@h/db failed')).toBe(
      'connect to postgres://u:***@h/db failed',
    );
  });

  it('redactSecrets replaces every occurrence of each secret', () => {
    expect(redactSecrets('a hunter2 b hunter2', ['hunter2', undefined])).toBe('a *** b ***');
  });
});
