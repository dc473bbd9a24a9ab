/**
 * The Bus contract: every adapter (NATS, in-process) must pass these, so code written against the port
 * behaves the same embedded and distributed. Run by memory.unit.test.ts and nats.int.test.ts.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { Bus } from '../../src/bus/index.js';
import { consumerContract } from './contract-consumer.js';
import { durableContract } from './contract-durable.js';
import { pubsubContract } from './contract-pubsub.js';
import { rpcContract } from './contract-rpc.js';
import { type BusHarness, captureLogger, type HarnessFactory } from './helpers.js';

/** What each part of the contract reads once the harness is up. */
export interface ContractContext {
  /** The first bus of the harness. */
  bus(): Bus;
  /** Another bus in the same world (a second process, over NATS). */
  connect(): Promise<Bus>;
  /** Log lines the adapters wrote so far. */
  logs(): Array<Record<string, unknown>>;
}

export function busContract(name: string, factory: HarnessFactory): void {
  describe(`Bus contract: ${name}`, () => {
    const capture = captureLogger();
    let harness: BusHarness;
    let first: Bus;
    const context: ContractContext = {
      bus: () => first,
      connect: () => harness.connect(),
      logs: capture.lines,
    };

    beforeAll(async () => {
      harness = await factory(capture.logger);
      first = await harness.connect();
    });
    afterAll(async () => {
      await harness?.dispose();
    });

    rpcContract(context);
    pubsubContract(context);
    durableContract(context);
    consumerContract(context);
  });
}
