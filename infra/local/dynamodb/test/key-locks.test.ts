import { describe, expect, it } from 'vitest';
import { KeyLocks } from '../key-locks';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyLocks', () => {
  it('lets one holder of a key at a time, in arrival order', async () => {
    // Prepare
    const locks = new KeyLocks();
    const order: string[] = [];
    const release = await locks.acquire(['a']);

    // Act
    const second = locks.with(['a'], async () => order.push('second'));
    const third = locks.with(['a'], async () => order.push('third'));
    await tick();
    order.push('first done');
    release();
    await Promise.all([second, third]);

    // Assess
    expect(order).toEqual(['first done', 'second', 'third']);
    expect(locks.size).toBe(0);
  });

  it('does not make holders of different keys wait', async () => {
    // Prepare
    const locks = new KeyLocks();
    const release = await locks.acquire(['a']);

    // Act
    const other = await locks.acquire(['b']);

    // Assess
    expect(locks.size).toBe(2);
    other();
    release();
  });

  it('never deadlocks when callers ask for overlapping keys in opposite orders', async () => {
    // Prepare
    const locks = new KeyLocks();
    let inside = 0;
    const work = (keys: string[]) =>
      locks.with(keys, async () => {
        inside++;
        await tick();
        inside--;
      });

    // Act
    await Promise.all(Array.from({ length: 200 }, (_, i) => work(i % 2 ? ['x', 'y', 'z'] : ['z', 'y', 'x'])));

    // Assess
    expect(inside).toBe(0);
    expect(locks.size).toBe(0);
  });
});
