/**
 * Coding domains: a nested-lattice format stores each row of K entries as Kp entries, zero-padded and
 * rotated by a random Hadamard transform in chunks of h (docs/lattice.md, *Rotation*). An f32 partner
 * operand must be moved into the same domain before a product; a decode lands in it and is moved back.
 */
import type { QuantFormat } from '../formats/format.js';

/** Where a coded format's rows live: K logical entries stored as Kp, rotated in chunks of h (h = 1: padding only). */
export interface DomainMap {
  readonly K: number;
  readonly Kp: number;
  readonly h: number;
  readonly norm: number;
  readonly seed: number | null;
  readonly signBits: Uint32Array;
}

/** The coding domain of `format` for rows of K entries, or null for formats that code rows as they are. */
export function domainOf(format: QuantFormat, K: number): DomainMap | null {
  if (!format.coding) return null;
  const r = format.coding.rotation(K);
  if (r) return { K, Kp: r.Kp, h: r.h, norm: r.norm, seed: r.seed, signBits: r.signBits };
  const Kp = format.coding.paddedK(K);
  return { K, Kp, h: 1, norm: 1, seed: null, signBits: new Uint32Array(Math.ceil(Kp / 32)) };
}

/** Two operands can meet in a product only in the same domain (same padding, chunking and signs). */
export function sameDomain(a: DomainMap, b: DomainMap): boolean {
  return a.Kp === b.Kp && a.h === b.h && a.seed === b.seed;
}
