import { describe, expect, it } from 'vitest';
import { type MemoryRecord, MemoryStore } from '../../src/stores/memory-store.js';
import { describeStoreContract, type StoreHarness } from './contract.js';
import { stateWith } from './fixtures.js';
import { describeSessionManagerContract } from './manager-contract.js';

const memoryHarness = async (): Promise<StoreHarness> => {
  const data = new Map<string, MemoryRecord>();
  return {
    open: () => new MemoryStore({ data }),
    corrupt: async (id, raw) => {
      data.set(id, { ...data.get(id)!, text: raw });
    },
    raw: async (id) => data.get(id)?.text,
    cleanup: async () => {},
  };
};

describeStoreContract('MemoryStore', memoryHarness);
describeSessionManagerContract('MemoryStore', memoryHarness);

describe('MemoryStore', () => {
  it('gives each new MemoryStore its own data unless a map is shared', async () => {
    const a = new MemoryStore();
    await a.put('alice', stateWith('Q1'));
    expect(await new MemoryStore().get('alice')).toBeUndefined();
  });
});
