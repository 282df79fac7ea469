import { test } from 'vitest';
import { runCase } from './harness.js';
test('gemv int4', async () => { await runCase('gemm', { M: 1, K: 1, N: 1, x: 'f32', w: 'int4-g32' }, 'a'); }, 30000);
test('gemm int4', async () => { await runCase('gemm', { M: 7, K: 33, N: 5, x: 'f32', w: 'int4-g32' }, 'b'); }, 30000);
test('gemm int int', async () => { await runCase('gemm', { M: 7, K: 33, N: 5, x: 'int8-g32', w: 'int4-g32' }, 'b'); }, 30000);
test('gemv int int', async () => { await runCase('gemm', { M: 1, K: 33, N: 5, x: 'int8-g32', w: 'int4-g32' }, 'b'); }, 30000);
