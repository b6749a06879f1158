import { MlinfraError, ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { httpCall } from './__fixtures__/http.js';
import { linearPredictor, MemorySource } from './__fixtures__/predictors.js';
import {
  createServer,
  ModelNotReadyError,
  QueueFullError,
  RequestTimeoutError,
  ServerClosedError,
} from './index.js';

const classes = [
  ['QueueFullError', QueueFullError, () => new QueueFullError('full', 1)],
  ['RequestTimeoutError', RequestTimeoutError, () => new RequestTimeoutError('late')],
  ['ServerClosedError', ServerClosedError, () => new ServerClosedError('closed')],
  ['ModelNotReadyError', ModelNotReadyError, () => new ModelNotReadyError('churn')],
] as const;

describe('serving errors', () => {
  it('recognise only their own class, however codes coincide', () => {
    for (const [name, type, make] of classes) {
      const error = make();
      expect(error.name).toBe(name);
      expect(MlinfraError.isInstance(error)).toBe(true);
      for (const [otherName, other] of classes) {
        expect(other.isInstance(error), `${otherName}.isInstance(new ${name})`).toBe(
          otherName === name,
        );
      }
      expect(type.isInstance(new ValidationError('x'))).toBe(false);
      expect(type.isInstance(new Error(name))).toBe(false);
      expect(type.isInstance(new MlinfraError('x', 'CLOSED'))).toBe(false);
      expect(type.isInstance(null)).toBe(false);
      // A name alone (a plain error renamed) is not an identity.
      const impostor = new Error('x');
      impostor.name = name;
      expect(type.isInstance(impostor)).toBe(false);
    }
    // QueueFullError and ModelNotReadyError share the UNAVAILABLE code, not the identity.
    expect(new QueueFullError('full', 1).code).toBe(new ModelNotReadyError('m').code);
  });

  it('recognise an error of their class from another copy of the package (Symbol.for markers)', () => {
    // What another copy's constructor stamps: one marker per class up the chain.
    const foreign = new Error('Model "m" is not loaded yet');
    for (const name of ['MlinfraError', 'ModelNotReadyError']) {
      Object.defineProperty(foreign, Symbol.for(`mlinfra.error.${name}`), { value: true });
    }
    expect(ModelNotReadyError.isInstance(foreign)).toBe(true);
    expect(MlinfraError.isInstance(foreign)).toBe(true);
    expect(QueueFullError.isInstance(foreign)).toBe(false);
    expect(ServerClosedError.isInstance(foreign)).toBe(false);
  });

  it('answer 503 with Retry-After and a clear message while a model is not loaded', async () => {
    const source = new MemorySource();
    source.addVersion('churn', 1, 'broken');
    await using server = createServer({
      models: ['churn'],
      source,
      loader: async (resolved) => {
        if (resolved.artifact === 'broken') throw new Error('corrupt artifact');
        return linearPredictor();
      },
      shutdown: { signals: [] },
    });
    const { port } = await server.listen(0);
    await server.ready().catch(() => undefined);
    const body = JSON.stringify({
      inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
    });
    const reply = await httpCall(port, 'POST', '/v2/models/churn/infer', body);
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('1');
    expect(reply.error).toMatch(
      /Model "churn" is not loaded yet; retry once \/v2\/models\/churn\/ready answers 200/,
    );
  });
});
