import { userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { currentActor } from './actor.js';

describe('currentActor', () => {
  const saved = process.env.MLINFRA_ACTOR;
  afterEach(() => {
    if (saved === undefined) delete process.env.MLINFRA_ACTOR;
    else process.env.MLINFRA_ACTOR = saved;
  });

  it('takes the explicit value, then MLINFRA_ACTOR, then the OS user', () => {
    process.env.MLINFRA_ACTOR = 'ci-bot';
    expect(currentActor('alice')).toBe('alice');
    expect(currentActor()).toBe('ci-bot');
    delete process.env.MLINFRA_ACTOR;
    expect(currentActor()).toBe(userInfo().username);
    expect(currentActor('')).toBe(userInfo().username);
  });
});
