import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/index.js';

/** A logger writing JSON lines into memory, so a test can read exactly what would reach the log. */
function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ name: 'redaction-test', level: 'info' }, sink), lines };
}

describe('log redaction', () => {
  it('never writes passwords, tokens, secrets, session keys or credentials, at the top level or one level down', () => {
    const { logger, lines } = capturingLogger();
    logger.info(
      {
        password: 'pw-top',
        token: 'tok-top',
        secret: 'sec-top',
        body: { password: 'pw-body', refreshToken: 'rt-body', accessToken: 'at-body', newPassword: 'np-body' },
        wechat: { sessionKey: 'sk-nested' },
        account: { credentials: { apiKey: 'cred-nested' } },
        req: { headers: { authorization: 'Bearer auth-header', cookie: 'sid=cookie-value' } },
        username: 'alice',
      },
      'login attempt',
    );
    const written = lines.join('');
    for (const secret of [
      'pw-top',
      'tok-top',
      'sec-top',
      'pw-body',
      'rt-body',
      'at-body',
      'np-body',
      'sk-nested',
      'cred-nested',
      'auth-header',
      'cookie-value',
    ]) {
      expect(written).not.toContain(secret);
    }
    const line = JSON.parse(lines[0]!);
    expect(line.username).toBe('alice');
    expect(line.body.password).toBe('[redacted]');
    expect(line.req.headers.authorization).toBe('[redacted]');
  });
});
