import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.redisUrl).toBeUndefined();
    expect(config.upstream.mode).toBe('fixed');
    expect(config.readinessImap).toEqual({ host: '127.0.0.1', port: 143, secure: false });
    expect(config.trustProxy).toBe(false);
    expect(config.session.secretGenerated).toBe(true);
    expect(config.session.secret.length).toBe(32);
  });

  it('derives default ports from implicit TLS', () => {
    const config = loadConfig({ IMAP_SECURE: 'true', SMTP_SECURE: 'yes' });
    expect(config.readinessImap).toEqual({ host: '127.0.0.1', port: 993, secure: true });
  });

  it('requires a long, stable session secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET is required/);
    expect(() => loadConfig({ SESSION_SECRET: 'short' })).toThrow(/at least 32 characters/);
    const secret = 'x'.repeat(40);
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret });
    expect(config.session.secret.toString()).toBe(secret);
    expect(config.session.secretGenerated).toBe(false);
  });

  it('reads explicit values', () => {
    const config = loadConfig({
      PORT: '3000',
      REDIS_URL: 'redis://127.0.0.1:6380/2',
      IMAP_HOST: 'imap.example.org',
      IMAP_PORT: '10143',
      LOG_LEVEL: 'debug',
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
    });
    expect(config.port).toBe(3000);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6380/2');
    expect(config.readinessImap).toEqual({ host: 'imap.example.org', port: 10143, secure: false });
    expect(config.logLevel).toBe('debug');
    expect(config.trustProxy).toBe('10.0.0.0/8,127.0.0.1');
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ REDIS_URL: '  ', PORT: '' }).redisUrl).toBeUndefined();
  });

  it('reports every bad value at once, naming each variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', LOG_LEVEL: 'loud', IMAP_SECURE: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT=.*whole number/);
    expect(problems.join('\n')).toMatch(/REDIS_URL.*redis:\/\//);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL=.*one of/);
    expect(problems.join('\n')).toMatch(/IMAP_SECURE=.*true or false/);
  });

  it('rejects out-of-range ports and odd host names', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig({ IMAP_HOST: 'bad host;rm' })).toThrow(/IMAP_HOST/);
  });
});
